import Foundation
import Testing
import WicketGeo
import WicketStore

@testable import WicketCore

/// README's example end to end through `DecisionPipeline.decide`: the 03:04 deny with its exact card,
/// and the 11:00 allow that names the permitting policy.
@Suite struct SeedScenarioTests {
    static func seedRequest(_ h: PipelineHarness) -> DecisionInput {
        h.request(
            Body.deleteProd, key: h.key(PipelineHarness.alex), remote: "127.0.0.1", forwardedFor: "203.0.113.42",
            protocolVersion: "2025-06-18", session: "mcp_sess_7k91")
    }

    @Test func deleteAtThreeInTheMorningIsDeniedWithTheDesignCard() throws {
        try withPipeline { h in
            let out = try h.send(Self.seedRequest(h))
            out.expectDenied(status: 403, code: -32003, words: ["release-window block", "allowed: 9–17"])
            #expect(out.response.header("X-Wicket-Rule") == "release-window block")
            #expect(out.error?.id as? Int == 7)
            #expect(out.error?.data["rule"] as? String == "release-window block")

            let record = try #require(out.record)
            #expect(out.records.count == 1)
            #expect(record.decision == .deny)
            #expect(record.httpStatus == 403)
            #expect(record.tenant == "acme")
            #expect(record.member == PipelineHarness.alex)
            #expect(record.agent == "maintenance-agent")
            #expect(record.keyID == h.keyIDs[PipelineHarness.alex])
            #expect(record.sourceIP == "203.0.113.42")
            #expect(record.geoCity == "Ashburn")
            #expect(record.geoRegion == "VA")
            #expect(record.geoCountry == "US")
            #expect(record.server == "database")
            #expect(record.method == "tools/call")
            #expect(record.targetKind == .tool)
            #expect(record.targetName == "delete_records")
            #expect(record.resource == "prod.customer_records")
            #expect(record.sessionID == "mcp_sess_7k91")
            #expect(record.jsonrpcID == "7")
            #expect(record.timeMicros == 1_776_308_658_000_000)
            #expect(record.policies.map(\.id) == ["release-window block"])
            #expect(record.policies.first?.annotations["reason"] == "allowed: 9–17")
            #expect(record.contextValues == [.init(name: "context.time.hour", value: "3")])
            #expect(record.errors.isEmpty)
            #expect(record.latencyMicros >= 0)

            let card = AuditPresentation.card(record)
            #expect(card.map(\.field) == ["Who", "What", "When", "Why"])
            #expect(
                card.map(\.detail) == [
                    "alex@company.com via maintenance-agent · 203.0.113.42 · Ashburn, VA",
                    "database.delete_records on prod.customer_records",
                    "03:04:18 UTC · Apr 16, 2026 · session mcp_sess_7k91",
                    "Matched: release-window block · context.time.hour = 3 (allowed: 9–17)",
                ])
        }
    }

    @Test func theSameCallAtElevenIsAllowedAndNamesThePermit() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(Self.seedRequest(h))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(out.response.header("X-Wicket-Rule") == "engineers call tools")
            #expect(out.response.body.isEmpty)

            let record = try #require(out.record)
            #expect(record.decision == .allow)
            #expect(record.httpStatus == 200)
            #expect(record.policies.map(\.id) == ["engineers call tools"])
            #expect(record.resource == "prod.customer_records")
            #expect(AuditPresentation.card(record).last?.detail == "Permitted by: engineers call tools (engineering may call tools)")
            #expect(AuditPresentation.card(record)[2].detail == "11:00:00 UTC · Apr 16, 2026 · session mcp_sess_7k91")
        }
    }

    @Test func everyAllowAnswerKeepsToTheHeaderContract() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let key = h.key(PipelineHarness.alex)
            let requests = [
                Self.seedRequest(h),
                h.request(Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#), key: key),
                h.request(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#, key: key),
                h.request(method: "GET", key: key, session: "mcp_sess_7k91"),
            ]
            for request in requests {
                let out = try h.send(request)
                out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
                let names = Set(out.response.headers.map { $0.name.lowercased() })
                #expect(
                    names.isSubset(of: [
                        "x-accel-redirect", "x-wicket-token", "x-wicket-decision", "x-wicket-rule",
                        "x-wicket-request-id",
                    ]), "unexpected headers \(names)")
                #expect(out.records.allSatisfy { $0.decision == .allow && $0.httpStatus == 200 })
            }
        }
    }

    @Test func theTenantTimeZoneDecidesTheHour() throws {
        // 03:04 UTC is 12:04 in Tokyo: inside the window for a tenant that lives there.
        try withPipeline { h in
            var text = try String(contentsOfFile: h.configPath, encoding: .utf8)
            text = text.replacingOccurrences(of: #"time_zone = "UTC""#, with: #"time_zone = "Asia/Tokyo""#)
            let config = try WicketConfig.parse(text, baseDirectory: h.root)
            let geo = try GeoDatabase(path: PipelineHarness.repoFile("geo/wicket-city-test.mmdb"))
            let pipeline = try DecisionPipeline(
                config: config, tenants: h.tenants, geo: geo,
                clock: RequestClock { h.clock.read() }, logger: PipelineHarness.logger)
            let request = Self.seedRequest(h)
            let response = pipeline.handle(request)
            #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self)) \(config.tenants.map(\.timeZone))")
            let record = try #require(h.records(requestID: request.requestID ?? "").first)
            #expect(record.decision == .allow)
        }
    }

    @Test func aDeleteFromOutsideTheUSIsDeniedByTheNetworkRule() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), forwardedFor: "198.51.100.7"))
            out.expectDenied(status: 403, code: -32003, words: ["prod from known places", "office network or the US"])
            let record = try #require(out.record)
            #expect(record.geoCity == "Frankfurt am Main")
            #expect(record.geoCountry == "DE")
            #expect(record.contextValues.contains(.init(name: "context.geo.country", value: #""DE""#)))
            #expect(record.contextValues.contains(.init(name: "context.source_ip", value: "198.51.100.7")))
        }
    }

    @Test func xForwardedForIsIgnoredUnlessThePeerIsATrustedProxy() throws {
        try withPipeline { h in
            let out = try h.send(
                h.request(
                    Body.deleteProd, key: h.key(PipelineHarness.alex),
                    remote: "192.0.2.1", forwardedFor: "203.0.113.42"))
            out.expectDenied(status: 403, code: -32003, words: [])
            let record = try #require(out.record)
            #expect(record.sourceIP == "192.0.2.1")
            #expect(record.geoCity == "São Paulo")
        }
    }
}
