import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// Hostile or odd input that must still give a well-formed answer and an honest record.
@Suite struct RobustnessTests {
    @Test func aPolicyIDCannotInjectHeadersIntoTheAllowAnswer() throws {
        let evil = """
            @id("evil\\r\\nSet-Cookie: session=1")
            permit (principal in ServiceMCP::Group::"members", action == ServiceMCP::Action::"query", resource);
            """
        try withPipeline(PipelineOptions(extraPolicies: ["evil.cedar": evil])) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.sam)))
            out.expectAllowed(token: PipelineHarness.samCredential)
            for header in out.response.headers {
                #expect(!header.value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(header.name)")
            }
            #expect(out.response.header("X-Wicket-Rule")?.contains("evil") == true)
        }
    }

    @Test func aCredentialThatCannotBeAHeaderIsRefusedNotSent() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            try admin.credentials.set(
                member: PipelineHarness.alex, server: "database",
                secret: Array("tok\r\nSet-Cookie: a=b".utf8))
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 503, code: -32004, words: ["cannot be sent as a header"])
            #expect(out.record?.decision == .deny)
            #expect(out.record?.httpStatus == 503)
            #expect(!String(decoding: out.response.body, as: UTF8.self).contains("tok"))
        }
    }

    @Test(arguments: [
        #""a\"b\\c\u0001\u2028é""#,
        #"9007199254740993"#,
        #"-42"#,
        #""""#,
    ])
    func theDenyBodyEchoesAnyIDAsValidJSON(idJSON: String) throws {
        try withPipeline { h in
            let body =
                #"{"jsonrpc":"2.0","id":\#(idJSON),"method":"tools/call","params":{"name":"delete_records","arguments":{"table":"prod.x"}}}"#
            let out = try h.send(h.request(body, key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 403, code: -32003, words: ["release-window block"])
            let expected = try JSONSerialization.jsonObject(with: Data("[\(idJSON)]".utf8), options: []) as? [Any]
            let echoed = try #require(out.error).id
            #expect("\(String(describing: echoed))" == "\(String(describing: expected?.first))")
        }
    }

    @Test func aRequestIDThatIsNotNginxsIsReplaced() throws {
        try withPipeline { h in
            for bad in ["EVIL\r\nX-Accel-Redirect: /etc", "short", String(repeating: "f", count: 65), "ABCDEF0123456789"] {
                let response = h.pipeline.handle(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), requestID: bad))
                let id = try #require(response.header("X-Wicket-Request-Id"))
                #expect(id != bad)
                #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
                #expect(try h.records(requestID: id).count == 1)
            }
        }
    }

    @Test func aForgedForwardedForCannotPretendToBeInside() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            // The client in Frankfurt claims 10.0.0.1; the proxy appends the real address.
            let out = try h.send(
                h.request(
                    Body.deleteProd, key: h.key(PipelineHarness.alex),
                    forwardedFor: "10.0.0.1, 198.51.100.7"))
            out.expectDenied(status: 403, code: -32003, words: ["prod from known places"])
            #expect(out.record?.sourceIP == "198.51.100.7")

            // An unparsable hop stops the walk at the proxy itself.
            let odd = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), forwardedFor: "10.0.0.1, garbage"))
            #expect(odd.record?.sourceIP == "127.0.0.1")
            #expect(odd.status == 200, "loopback may change prod")
        }
    }

    /// A dual-stack nginx listener (`listen [::]:80 ipv6only=off`) reports IPv4 clients as
    /// IPv4-mapped IPv6 addresses; they are the same client.
    @Test(arguments: [
        ("::ffff:203.0.113.42", nil as String?), ("127.0.0.1", "::ffff:203.0.113.42"),
        ("::ffff:127.0.0.1", "203.0.113.42"),
    ])
    func anIPv4MappedAddressIsTheIPv4Client(remote: String, forwardedFor: String?) throws {
        try withPipeline { h in
            let out = try h.send(
                h.request(
                    Body.deleteProd, key: h.key(PipelineHarness.alex), remote: remote,
                    forwardedFor: forwardedFor, session: "mcp_sess_7k91"))
            out.expectDenied(status: 403, code: -32003, words: ["release-window block"])
            let record = try #require(out.record)
            #expect(record.sourceIP == "203.0.113.42")
            #expect(AuditPresentation.card(record)[0].detail == "alex@company.com via maintenance-agent · 203.0.113.42 · Ashburn, VA")
            try h.setNow("2026-04-16T11:00:00Z")
            let allowed = try h.send(
                h.request(
                    Body.deleteProd, key: h.key(PipelineHarness.alex), remote: remote,
                    forwardedFor: forwardedFor))
            allowed.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
        }
    }

    @Test func anIPv6ClientIsDecided() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(
                h.request(
                    Body.toolCall("query"), key: h.key(PipelineHarness.alex), remote: "2001:db8::1",
                    forwardedFor: nil))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(out.record?.sourceIP == "2001:db8::1")
        }
    }

    @Test func noClientAddressIsDenied() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex), remote: "", forwardedFor: nil))
            out.expectDenied(status: 403, code: -32003, words: ["no client address"])
            #expect(out.record?.sourceIP == nil)
            #expect(out.record?.decision == .deny)
        }
    }

    /// A tool whose name is one of Wicket's action groups must not inherit what policies grant the
    /// group: `session` and `discovery` are granted to every member.
    @Test(arguments: ["session", "discovery", "tools/list", "ping", "tools/call"])
    func aToolNamedLikeAnActionGroupGetsNoGroupGrant(tool: String) throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            // sam (support) may only call `query` and `post_message`.
            let out = try h.send(h.request(Body.toolCall(tool), key: h.key(PipelineHarness.sam)))
            if tool.contains("/") {
                // Outside MCP's tool name grammar: refused before the mapping is even asked.
                out.expectDenied(status: 400, code: -32602, words: ["`\(tool)`", "not a valid MCP tool name"])
            } else {
                out.expectDenied(status: 403, code: -32003, words: ["`\(tool)`", "Wicket action"])
            }
            #expect(out.record?.decision == .deny)
            #expect(out.record?.member == PipelineHarness.sam)
            // Not even an engineer may call it: the name is ambiguous for every policy.
            let engineer = try h.send(h.request(Body.toolCall(tool), key: h.key(PipelineHarness.alex)))
            #expect(engineer.status == (tool.contains("/") ? 400 : 403))
            // A JSON-RPC method named like a group is no session method either.
            if tool == "session" || tool == "discovery" {
                let method = try h.send(h.request(#"{"jsonrpc":"2.0","id":1,"method":"\#(tool)"}"#, key: h.key(PipelineHarness.sam)))
                // Not an MCP method of any revision: refused as such before the mapping.
                method.expectDenied(status: 400, code: -32601, words: ["`\(tool)`", "is not defined by MCP protocol"])
            }
        }
    }

    @Test func concurrentRequestsAreAllAnsweredAndAuditedWhileAKeyIsRevoked() async throws {
        let harness = try PipelineHarness(PipelineOptions(now: "2026-04-16T11:00:00Z"))
        defer { harness.close() }
        let samKey = harness.key(PipelineHarness.sam)
        let alexKey = harness.key(PipelineHarness.alex)
        let alexKeyID = try #require(harness.keyIDs[PipelineHarness.alex])
        let samRequests = (0..<160).map { _ in harness.request(Body.toolCall("query"), key: samKey) }
        let results = await withTaskGroup(of: [Int].self) { group in
            for worker in 0..<8 {
                let slice = Array(samRequests[(worker * 20)..<((worker + 1) * 20)])
                group.addTask { slice.map { harness.pipeline.handle($0).status } }
            }
            group.addTask {
                // Revoked from another handle while sam's loops run.
                let done = (try? harness.admin["acme"]?.keys.revoke(keyID: alexKeyID)) ?? false
                return done ? [] : [-1]
            }
            var all: [Int] = []
            for await statuses in group { all += statuses }
            return all
        }
        #expect(!results.contains(-1), "the revocation failed")
        #expect(results.count == 160)
        #expect(results.allSatisfy { $0 == 200 }, "sam's calls failed while alex's key was revoked")
        let after = harness.pipeline.handle(harness.request(Body.toolCall("query"), key: alexKey))
        #expect(after.status == 401)
        let records = try harness.allRecords(tenant: "acme")
        #expect(records.filter { $0.member == PipelineHarness.sam && $0.decision == .allow }.count == 160)
        #expect(Set(records.map(\.requestID)).count == records.count, "one record per request")
    }
}
