import Foundation
import Testing
import WicketJSON

@testable import WicketCore

/// The per-member list filter on the example tenant, checked against the calls themselves: every
/// kept tool's call with a permitted resource is allowed, every hidden tool's call is denied.
@Suite struct ListFilterTests {
    static let tools = ["delete_records", "query", "post_message", "slow_report", "drop_table"]
    static let permitted: [String: String] = [
        "delete_records": "staging.orders", "drop_table": "staging.orders", "query": "staging.orders",
    ]

    func filter(_ h: PipelineHarness, member: String, at now: String) throws -> ListFilter {
        let date = try #require(ISO8601DateFormatter().date(from: now))
        let upstream = try #require(h.config.upstream(named: "database"))
        let tenant = try #require(h.tenants["acme"])
        return ListFilter(
            method: "tools/list", member: member,
            context: ContextFacts(
                time: RequestTime(date: date, timeZone: TimeZone(identifier: "UTC") ?? .gmt),
                sourceIP: "203.0.113.42", geo: ("US", nil, nil), agent: "maintenance-agent",
                session: nil, server: upstream.name, method: "tools/list"),
            mapping: CedarMapping(namespace: upstream.namespace, serverName: upstream.name),
            snapshot: tenant.snapshot, resourceArguments: ResourceArguments(upstream.resourceArguments))
    }

    static func entries(_ names: [String]) -> [JSONValue] {
        names.map { .object(JSONObject(members: [.init(key: "name", value: .string($0))])) }
    }

    static func names(_ kept: [JSONValue]) -> Set<String> { Set(kept.compactMap { $0["name"]?.stringValue }) }

    @Test func eachMemberSeesTheToolsTheyMayCall() throws {
        try withPipeline { h in
            let alex = try filter(h, member: PipelineHarness.alex, at: "2026-04-16T11:00:00Z").filter(Self.entries(Self.tools))
            #expect(Self.names(alex.kept) == Set(Self.tools))
            let sam = try filter(h, member: PipelineHarness.sam, at: "2026-04-16T11:00:00Z").filter(Self.entries(Self.tools))
            #expect(Self.names(sam.kept) == ["query", "post_message"])
            #expect(sam.hidden == 3)
            #expect(sam.hidingPolicies == ["(no permit)"])
        }
    }

    @Test func atThreeInTheMorningAlexNoLongerSeesTheDestructiveTools() throws {
        try withPipeline { h in
            let out = try filter(h, member: PipelineHarness.alex, at: "2026-04-16T03:00:00Z").filter(Self.entries(Self.tools))
            #expect(Self.names(out.kept) == ["query", "post_message", "slow_report"])
            #expect(out.hidingPolicies == ["release-window block"])
        }
    }

    @Test func aToolTheSchemaDoesNotDeclareIsHidden() throws {
        try withPipeline { h in
            let out = try filter(h, member: PipelineHarness.alex, at: "2026-04-16T11:00:00Z").filter(Self.entries(["query", "exfiltrate"]))
            #expect(Self.names(out.kept) == ["query"])
            #expect(out.hidingPolicies == ["(schema)"])
        }
    }

    @Test(arguments: ["2026-04-16T03:00:00Z", "2026-04-16T11:00:00Z"], [PipelineHarness.alex, PipelineHarness.sam])
    func theListAgreesWithTheCalls(now: String, member: String) throws {
        var options = PipelineOptions()
        options.now = now
        try withPipeline(options) { h in
            let kept = Self.names(try filter(h, member: member, at: now).filter(Self.entries(Self.tools)).kept)
            let key = h.key(member)
            for tool in Self.tools {
                let arguments = Self.permitted[tool].map { #"{"table":"\#($0)"}"# } ?? "{}"
                let out = try h.send(h.request(Body.toolCall(tool, arguments: arguments), key: key))
                if kept.contains(tool) {
                    #expect(
                        out.status == 200 && out.response.header("X-Accel-Redirect") != nil, "\(tool) is listed, so its call is allowed")
                } else {
                    #expect(out.status == 403, "\(tool) is hidden, so its call is denied")
                }
            }
        }
    }

    @Test func aBatchCarryingAListIsRefusedNotForwardedUnfiltered() throws {
        try withPipeline { h in
            let batch = #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]"#
            let out = try h.send(h.request(batch, key: h.key(PipelineHarness.sam), protocolVersion: "2025-03-26"))
            out.expectDenied(status: 400, code: -32600, words: ["cannot be part of a batch"])
            #expect(out.records.count == 2 && out.records.allSatisfy { $0.decision == .deny })
        }
    }

    @Test func sseEventsAreReadAsTheirData() {
        let body = Array("event: message\r\ndata: {\"a\":\ndata: 1}\r\n\r\n: comment\ndata:{\"b\":2}\n\n".utf8)
        #expect(ListReply.events(body).map { String(decoding: $0, as: UTF8.self) } == ["{\"a\":\n1}", "{\"b\":2}"])
    }
}
