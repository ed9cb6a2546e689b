import Foundation
import Testing

@testable import WicketCore

/// The Streamable HTTP shapes of every protocol revision: GET/DELETE on session revisions,
/// notifications and client responses, and the stateless 2026-07-28.
@Suite struct TransportTests {
    @Test(arguments: ["2025-03-26", "2025-06-18", "2025-11-25"])
    func getOpensAStreamAndDeleteEndsASession(version: String) throws {
        try withPipeline { h in
            let key = h.key(PipelineHarness.alex)
            let open = try h.send(h.request(method: "GET", key: key, protocolVersion: version, session: "mcp_sess_7k91"))
            open.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(open.response.header("X-Wicket-Rule") == "session and discovery")
            let openRecord = try #require(open.record)
            #expect(openRecord.method == "stream/open")
            #expect(openRecord.sessionID == "mcp_sess_7k91")
            #expect(openRecord.targetKind == nil && openRecord.jsonrpcID == nil)
            #expect(AuditPresentation.card(openRecord)[1].detail == "database stream/open")

            let end = try h.send(h.request(method: "DELETE", key: key, protocolVersion: version, session: "mcp_sess_7k91"))
            end.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(end.record?.method == "session/end")
            #expect(end.record?.sessionID == "mcp_sess_7k91")
        }
    }

    @Test func deleteWithoutASessionAndGetWithABodyAreRefused() throws {
        try withPipeline { h in
            let key = h.key(PipelineHarness.alex)
            let end = try h.send(h.request(method: "DELETE", key: key))
            end.expectDenied(status: 400, code: -32600, words: ["Mcp-Session-Id"])
            #expect(end.record?.decision == .deny)
            let get = try h.send(h.request(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, method: "GET", key: key, session: "s1"))
            get.expectDenied(status: 400, code: -32600, words: ["must not have a body"])
            let put = try h.send(h.request(Body.deleteProd, method: "PUT", key: key))
            put.expectDenied(status: 405, code: -32600, words: ["PUT"])
        }
    }

    @Test func aStreamOpenIsDecidedByPolicyNotWaved() throws {
        // Only members may open streams; a key of a user outside `members` is refused.
        try withPipeline { h in
            let admin = try #require(h.admin["acme"])
            let stranger = try admin.keys.issue(member: "guest@company.com", agent: "cli")
            let out = try h.send(h.request(method: "GET", key: stranger.key, session: "mcp_sess_1"))
            out.expectDenied(status: 403, code: -32003, words: ["no policy permits", "stream/open"])
            #expect(out.record?.method == "stream/open")
            #expect(out.record?.member == "guest@company.com")
        }
    }

    @Test func notificationsAndClientResponsesGetDecisions() throws {
        try withPipeline { h in
            let key = h.key(PipelineHarness.alex)
            let note = try h.send(h.request(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, key: key, session: "mcp_sess_7k91"))
            note.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(note.record?.method == "notifications/initialized")
            #expect(note.record?.jsonrpcID == nil)
            #expect(note.record?.policies.map(\.id) == ["session and discovery"])

            let reply = try h.send(h.request(#"{"jsonrpc":"2.0","id":"srv-3","result":{"roots":[]}}"#, key: key, session: "mcp_sess_7k91"))
            reply.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(reply.record?.method == "client/response")
            #expect(reply.record?.jsonrpcID == #""srv-3""# || reply.record?.jsonrpcID == "srv-3")

            let errorReply = try h.send(h.request(#"{"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no"}}"#, key: key))
            #expect(errorReply.status == 200)
            #expect(errorReply.record?.method == "client/response")

            // A stranger's notification is decided too, and refused.
            let admin = try #require(h.admin["acme"])
            let stranger = try admin.keys.issue(member: "guest@company.com", agent: "cli")
            let refused = try h.send(h.request(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, key: stranger.key))
            refused.expectDenied(status: 403, code: -32003, words: ["no policy permits"])
            #expect(refused.error?.id == nil || refused.error?.id is NSNull)
        }
    }

    @Test func otherMethodsMapToTheirTargets() throws {
        let readRule = """
            @id("members read docs")
            permit (principal in ServiceMCP::Group::"members", action == ServiceMCP::Action::"resources/read", resource)
            when { resource.name like "docs://*" };
            """
        try withPipeline(PipelineOptions(extraPolicies: ["read.cedar": readRule])) { h in
            let key = h.key(PipelineHarness.sam)
            let read = try h.send(
                h.request(#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"docs://handbook"}}"#, key: key))
            read.expectAllowed(token: PipelineHarness.samCredential)
            #expect(read.record?.targetKind == .resource)
            #expect(read.record?.targetName == "docs://handbook")
            #expect(read.record.map { AuditPresentation.card($0)[1].detail } == "database resources/read docs://handbook")

            let secret = try h.send(
                h.request(#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"file:///etc/shadow"}}"#, key: key))
            secret.expectDenied(status: 403, code: -32003, words: ["no policy permits"])
            #expect(secret.record?.targetName == "file:///etc/shadow")

            let prompt = try h.send(h.request(#"{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"summarize"}}"#, key: key))
            prompt.expectDenied(status: 403, code: -32003, words: ["prompts/get"])
            #expect(prompt.record?.targetKind == .prompt)
            #expect(prompt.record?.targetName == "summarize")

            // Wicket fetches lists itself; the harness's upstream does not answer: an error, never a list.
            let list = try h.send(h.request(#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#, key: key))
            list.expectDenied(status: 502, code: -32004, words: ["did not answer the list request"])
            #expect(list.record?.method == "tools/list")
            #expect(list.record?.errors.contains { $0.contains("did not answer the list request") } == true)
        }
    }

    @Test func stateless2026_07_28RequestsAreDecidedWithTheirCorrelationIDs() throws {
        try withPipeline { h in
            let key = h.key(PipelineHarness.alex)
            let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let denied = try h.send(
                h.request(
                    Body.deleteProd, key: key, protocolVersion: "2026-07-28",
                    session: "ignored-session", mcpMethod: "tools/call", mcpName: "delete_records",
                    traceparent: trace))
            denied.expectDenied(status: 403, code: -32003, words: ["release-window block"])
            let record = try #require(denied.record)
            #expect(record.sessionID == nil, "2026-07-28 has no sessions")
            #expect(record.jsonrpcID == "7")
            #expect(record.traceparent == trace)
            #expect(AuditPresentation.card(record)[2].detail == "03:04:18 UTC · Apr 16, 2026 · id 7 · trace \(trace)")

            try h.setNow("2026-04-16T11:00:00Z")
            let allowed = try h.send(
                h.request(
                    Body.deleteProd, key: key, protocolVersion: "2026-07-28",
                    mcpMethod: "tools/call", mcpName: "delete_records"))
            allowed.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)

            let list = try h.send(
                h.request(
                    #"{"jsonrpc":"2.0","id":9,"method":"tools/list"}"#, key: key,
                    protocolVersion: "2026-07-28", mcpMethod: "tools/list"))
            #expect(list.status == 502)

            let get = try h.send(h.request(method: "GET", key: key, protocolVersion: "2026-07-28"))
            get.expectDenied(status: 405, code: -32600, words: ["2026-07-28"])
            #expect(get.record?.httpStatus == 405)

            let response = try h.send(h.request(#"{"jsonrpc":"2.0","id":1,"result":{}}"#, key: key, protocolVersion: "2026-07-28"))
            response.expectDenied(status: 400, code: -32600, words: ["client response"])
        }
    }

    @Test func aBodyThatNamesAnotherProtocolVersionIsRefused() throws {
        try withPipeline { h in
            let body =
                #"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-06-18"}}}"#
            let out = try h.send(h.request(body, key: h.key(PipelineHarness.alex), protocolVersion: "2026-07-28", mcpMethod: "tools/list"))
            out.expectDenied(status: 400, code: -32020, words: ["protocol version"])
            #expect(out.record?.decision == .deny)
        }
    }

    @Test func aMalformedTraceparentIsNotStored() throws {
        try withPipeline { h in
            let out = try h.send(
                h.request(
                    Body.deleteProd, key: h.key(PipelineHarness.alex), protocolVersion: "2026-07-28",
                    mcpMethod: "tools/call", mcpName: "delete_records",
                    traceparent: String(repeating: "a", count: 300)))
            #expect(out.record?.traceparent == nil)
        }
    }
}
