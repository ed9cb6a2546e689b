import Foundation
import Testing
import WicketGeo
import WicketStore

@testable import WicketCore

/// Every bad-input row (docs/threat-model.md) through `DecisionPipeline.decide`: the answer, its JSON-RPC error, and the
/// audit record the refusal left.
@Suite struct BadInputTests {
    /// Refusals of the body: checked as alex (a valid key), so the record names the member.
    @Test(
        arguments: [
            ("not JSON", Array("this is not json".utf8), 400, -32700, "not valid JSON"),
            (
                "not UTF-8", Array(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8),
                400, -32700, "not valid JSON"
            ),
            ("JSON-RPC 1.0", Array(#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#.utf8), 400, -32600, "jsonrpc"),
            ("not an object", Array("42".utf8), 400, -32600, ""),
            (
                "duplicate keys",
                Array(
                    #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","name":"delete_records","arguments":{}}}"#.utf8
                ),
                400, -32700, "duplicate"
            ),
            (
                "nested duplicate keys",
                Array(
                    #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","arguments":{"table":"a","table":"prod.x"}}}"#
                        .utf8),
                400, -32700, "duplicate"
            ),
            (
                "too deep",
                Array(
                    (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"# + String(repeating: "[", count: 200)
                        + String(repeating: "]", count: 200) + "}}").utf8), 400, -32700, "deep"
            ),
            (
                "arguments not an object",
                Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","arguments":[]}}"#.utf8),
                400, -32602, "arguments"
            ),
            (
                "mapped argument not a string",
                Array(Body.toolCall("delete_records", arguments: #"{"table":["prod.customer_records"]}"#).utf8),
                400, -32602, "`table`"
            ),
        ] as [(String, [UInt8], Int, Int, String)])
    func badBodiesAreRefusedAndAudited(label: String, bytes: [UInt8], status: Int, code: Int, word: String) throws {
        try withPipeline { h in
            let out = try h.send(h.request(bytes: bytes, key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: status, code: code, words: word.isEmpty ? [] : [word])
            let record = try #require(out.record, "\(label): no audit record")
            #expect(out.records.count == 1)
            #expect(record.decision == .deny)
            #expect(record.httpStatus == status)
            #expect(record.member == PipelineHarness.alex)
            #expect(record.sourceIP == "203.0.113.42")
            #expect(record.geoCity == "Ashburn")
            #expect(record.errors.count == 1)
            #expect(record.errors.first == out.error?.message)
        }
    }

    @Test func aBodyOverTheLimitIs413WithoutReadingIt() throws {
        try withPipeline { h in
            // nginx-side: the FastCGI layer discarded it and says so.
            let out = try h.send(h.request(tooLarge: true, key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 413, code: -32600, words: ["larger than \(h.config.maxBodyBytes) bytes"])
            #expect(out.record?.httpStatus == 413)
            #expect(out.record?.decision == .deny)

            // A complete body one byte over the configured limit gets the same answer.
            let filler = String(repeating: "x", count: h.config.maxBodyBytes)
            let big = try h.send(h.request(Body.toolCall("query", arguments: #"{"sql":"\#(filler)"}"#), key: h.key(PipelineHarness.alex)))
            big.expectDenied(status: 413, code: -32600, words: ["larger than"])
            #expect(big.record?.httpStatus == 413)
        }
    }

    @Test func wrongContentTypeIs415() throws {
        try withPipeline { h in
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex), contentType: "text/plain"))
            out.expectDenied(status: 415, code: -32600, words: ["Content-Type"])
            #expect(out.record?.httpStatus == 415)
        }
    }

    @Test func aBatchWithOneDeniedElementIsDeniedWholeAndEveryElementIsAudited() throws {
        try withPipeline { h in
            let batch =
                "[" + Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#, id: 1) + ","
                + #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}"# + ","
                + Body.deleteProd + "]"
            let out = try h.send(
                h.request(
                    batch, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26",
                    session: "mcp_sess_7k91"))
            out.expectDenied(status: 403, code: -32003, words: ["release-window block"])
            #expect(out.error?.id == nil || out.error?.id is NSNull, "a whole-batch refusal carries no single id")
            #expect(out.records.map(\.batchIndex) == [0, 1, 2])
            #expect(out.records.map(\.method) == ["tools/call", "notifications/progress", "tools/call"])
            #expect(out.records.map(\.jsonrpcID) == ["1", nil, "7"])
            #expect(out.records.allSatisfy { $0.httpStatus == 403 })
            // Nothing of the batch reached the upstream: no record may read as an allow.
            #expect(out.records.allSatisfy { $0.decision == .deny }, "\(out.records.map(\.decision))")
            #expect(out.records[2].policies.map(\.id) == ["release-window block"])
            #expect(
                out.records[0].errors
                    == ["policy allowed this element; the batch was refused because batch element 2 was denied"])
            #expect(AuditPresentation.card(out.records[0])[3].detail.contains("Refused: policy allowed this element"))
            #expect(
                AuditPresentation.card(out.records[2])[3].detail
                    == "Matched: release-window block · context.time.hour = 3 (allowed: 9–17)")
            #expect(out.records.allSatisfy { $0.sessionID == "mcp_sess_7k91" && $0.member == PipelineHarness.alex })
            #expect(
                AuditPresentation.card(out.records[2])[1].detail
                    == "database.delete_records on prod.customer_records (batch element 2)")
        }
    }

    @Test func aBatchOfAllowedElementsIsAllowedAndAuditedPerElement() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let batch = "[" + Body.toolCall("query", id: 1) + "," + Body.deleteProd + "]"
            let out = try h.send(h.request(batch, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26"))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(out.records.map(\.batchIndex) == [0, 1])
            #expect(out.records.allSatisfy { $0.decision == .allow && $0.httpStatus == 200 })
        }
    }

    @Test func batchesOutside2025_03_26AreRefused() throws {
        try withPipeline { h in
            let batch = "[" + Body.toolCall("query", id: 1) + "]"
            let out = try h.send(h.request(batch, key: h.key(PipelineHarness.alex), protocolVersion: "2025-06-18"))
            out.expectDenied(status: 400, code: -32600, words: ["batch"])
            #expect(out.record?.decision == .deny)
        }
    }

    @Test(
        arguments: [
            ("2025-06-18", "tools/list", nil as String?, "Mcp-Method"),
            ("2025-06-18", "tools/call", "query", "Mcp-Name"),
            ("2026-07-28", "tools/call", "query", "Mcp-Name"),
            ("2026-07-28", "tools/list", "delete_records", "Mcp-Method"),
            ("2026-07-28", nil, nil, "Mcp-Method"),
            ("2026-07-28", "tools/call", nil, "Mcp-Name"),
        ] as [(String, String?, String?, String)])
    func mcpMethodAndNameMustAgreeWithTheBody(version: String, method: String?, name: String?, word: String) throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(
                h.request(
                    Body.deleteProd, key: h.key(PipelineHarness.alex), protocolVersion: version,
                    mcpMethod: method, mcpName: name))
            out.expectDenied(status: 400, code: -32020, words: [word])
            #expect(out.error?.id as? Int == 7)
            let record = try #require(out.record)
            #expect(record.decision == .deny)
            #expect(record.httpStatus == 400)
            #expect(record.member == PipelineHarness.alex)
        }
    }

    // MARK: - Keys

    @Test func aMissingKeyIs401WithAChallenge() throws {
        try withPipeline { h in
            let out = try h.send(h.request(Body.deleteProd))
            out.expectDenied(status: 401, code: -32001, words: ["member key is required", "Bearer"])
            #expect(out.response.header("WWW-Authenticate") == #"Bearer realm="wicket""#)
            let record = try #require(out.record)
            #expect(record.decision == .deny && record.httpStatus == 401)
            #expect(record.member == nil && record.keyID == nil)
            #expect(record.sourceIP == "203.0.113.42")
        }
    }

    @Test(arguments: [
        ("Basic YWxleDpwdw==", "must be `Bearer <key>`"),
        ("Bearer not-a-wicket-key", "malformed"),
        ("Bearer wk_acme_0123456789abcdef_" + String(repeating: "A", count: 43), "unknown or has been revoked"),
        ("Bearer wk_acme_0123456789ABCDEF_" + String(repeating: "A", count: 43), "malformed"),
    ])
    func badKeysAre401WithInvalidToken(authorization: String, word: String) throws {
        try withPipeline { h in
            let out = try h.send(h.request(Body.deleteProd, authorization: authorization))
            out.expectDenied(status: 401, code: -32001, words: [word])
            #expect(out.response.header("WWW-Authenticate") == #"Bearer realm="wicket", error="invalid_token""#)
            #expect(out.record?.httpStatus == 401)
            #expect(out.record?.member == nil)
        }
    }

    @Test func aKeyWithAWrongSecretIsUnknown() throws {
        try withPipeline { h in
            var key = h.key(PipelineHarness.alex)
            let last = key.removeLast()
            key.append(last == "A" ? "E" : "A")
            let out = try h.send(h.request(Body.deleteProd, key: key))
            out.expectDenied(status: 401, code: -32001, words: ["unknown or has been revoked"])
            #expect(out.record?.member == nil)
            #expect(out.record?.keyID == h.keyIDs[PipelineHarness.alex], "the record names the key id that was tried")
        }
    }

    @Test func aRevokedKeyIs401() throws {
        try withPipeline { h in
            let admin = try #require(h.admin["acme"])
            #expect(try admin.keys.revoke(keyID: try #require(h.keyIDs[PipelineHarness.alex])))
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 401, code: -32001, words: ["revoked"])
            #expect(out.record?.decision == .deny)
        }
    }

    @Test func aKeyOfAnotherTenantIs401AndLeavesNothingInThatTenantsAudit() throws {
        try withPipeline { h in
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.pat)))
            out.expectDenied(status: 401, code: -32001, words: ["does not belong to the tenant"])
            #expect(out.record?.member == nil)
            #expect(out.record?.tenant == "acme")
            #expect(try h.allRecords(tenant: "beta").isEmpty)

            // The other way round: alex's key at beta's server.
            let atBeta = try h.send(
                h.request(Body.toolCall("anything"), key: h.key(PipelineHarness.alex), server: "helpdesk"),
                tenant: "beta")
            atBeta.expectDenied(status: 401, code: -32001, words: ["does not belong"])
            #expect(try h.allRecords(tenant: "acme").count == 1, "alex's refused call at beta is recorded by beta only")
        }
    }

    // MARK: - Faults

    @Test func aPolicyThatErrorsDeniesEvenWhenAPermitMatches() throws {
        let erroring = """
            @id("erroring forbid")
            @reason("overflows at run time although it typechecks")
            forbid (principal, action == ServiceMCP::Action::"query", resource)
            when { context.time.hour * 9223372036854775807 > 0 };
            """
        try withPipeline(PipelineOptions(extraPolicies: ["erroring.cedar": erroring])) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(
                h.request(
                    Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#),
                    key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 403, code: -32003, words: ["erroring forbid", "could not be evaluated"])
            #expect(out.response.header("X-Wicket-Rule") == "erroring forbid")
            let record = try #require(out.record)
            #expect(record.decision == .deny)
            #expect(record.errors.count == 1)
            #expect(record.errors.first?.contains("policy `erroring forbid`") == true)
            #expect(record.policies.map(\.id) == ["erroring forbid"])
            #expect(record.contextValues == [.init(name: "context.time.hour", value: "11")])

            // Other tools are unaffected.
            let other = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            other.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
        }
    }

    /// The fault is real: the serving tenant's audit store is closed (its writer stopped), so the
    /// append throws `closed` exactly as it would after a failed commit.
    @Test func anAuditWriteFailureIs503AndNeverAnAllow() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let serving = try #require(h.tenants["acme"])
            serving.audit.close()
            let request = h.request(Body.deleteProd, key: h.key(PipelineHarness.alex))
            let response = h.pipeline.handle(request)
            let out = Exchanged(response: response, records: try h.records(requestID: request.requestID ?? ""))
            out.expectDenied(status: 503, code: -32004, words: ["audit record could not be written"])
            #expect(out.records.isEmpty, "nothing was committed, and the request was not answered as allowed")
            #expect(response.header("X-Wicket-Token") == nil)

            // Another tenant's audit is a separate store and keeps working.
            let beta = try h.send(
                h.request(
                    #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, key: h.key(PipelineHarness.pat),
                    server: "helpdesk"), tenant: "beta")
            #expect(beta.record != nil)
        }
    }

    @Test func aGeoIPLookupFailureDenies() throws {
        // The IPv4-only MaxMind test database cannot answer for an IPv6 client: a lookup failure.
        let ipv4Only = PipelineHarness.repoFile("geo/maxmind-test-data/MaxMind-DB-test-ipv4-24.mmdb")
        try withPipeline(PipelineOptions(geoFile: ipv4Only)) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex), forwardedFor: "2001:db8::7"))
            out.expectDenied(status: 503, code: -32004, words: ["GeoIP lookup failed"])
            let record = try #require(out.record)
            #expect(record.decision == .deny && record.httpStatus == 503)
            #expect(record.sourceIP == "2001:db8::7")
            #expect(record.geoCountry == nil)
        }
    }

    @Test func anAddressNotInTheGeoDatabaseSimplyHasNoGeo() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            // 10.1.2.3 is not in the test database; the network rule lets 10/8 delete on prod.
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), forwardedFor: "10.1.2.3"))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            let record = try #require(out.record)
            #expect(record.geoCountry == nil && record.geoRegion == nil && record.geoCity == nil)
            #expect(AuditPresentation.card(record)[0].detail == "alex@company.com via maintenance-agent · 10.1.2.3")
        }
    }

    @Test func anUnknownServerIs503AndNothingIsWrittenAnywhere() throws {
        try withPipeline { h in
            let response = h.pipeline.handle(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), server: "nope"))
            #expect(response.status == 503)
            #expect(response.header("X-Accel-Redirect") == nil)
            let acme = try h.allRecords(tenant: "acme")
            let beta = try h.allRecords(tenant: "beta")
            #expect(acme.isEmpty && beta.isEmpty)
        }
    }

    @Test func anUnsupportedProtocolVersionIs400() throws {
        try withPipeline { h in
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), protocolVersion: "2024-11-05"))
            out.expectDenied(status: 400, code: -32600, words: ["unsupported MCP protocol version"])
            #expect(out.record?.httpStatus == 400)
        }
    }
}
