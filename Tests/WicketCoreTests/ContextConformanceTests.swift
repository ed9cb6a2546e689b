import Cedar
import Foundation
import Testing

@testable import WicketCore

/// The context's schema conformance looked up by its shape (ContextConformance.swift) answers as
/// walking the context does, for every shape and for context types that admit different shapes; and a
/// schema reload is seen on the next request.
@Suite struct ContextConformanceTests {
    /// The generated schema's context type, and variants that each refuse some shapes.
    static let contextTypes: [String] = [
        "{ time: Time, source_ip: ipaddr, geo: Geo, agent: String, session?: String, server: String, method: String }",
        "{ time: Time, source_ip: ipaddr, geo: Geo, agent: String, session: String, server: String, method: String }",
        "{ time: Time, source_ip: ipaddr, geo: Geo, agent: String, server: String, method: String }",
        "{ time: Time, source_ip: ipaddr, geo: { country: String, region?: String, city?: String }, agent: String, session?: String, server: String, method: String }",
        "{ time: Time, source_ip: ipaddr, geo: { country?: String }, agent: String, session?: String, server: String, method: String }",
        "{ time: { hour: Long }, source_ip: ipaddr, geo: Geo, agent: String, session?: String, server: String, method: String }",
        "{ time: Time, source_ip: String, geo: Geo, agent: String, session?: String, server: String, method: String }",
    ]

    static func schema(context: String) throws -> Schema {
        try Schema(
            cedarText: """
                namespace NS {
                  type Time = { hour: Long, minute: Long, weekday: Long, date: String, now: datetime };
                  type Geo = { country?: String, region?: String, city?: String };
                  entity User;
                  entity Server = { name: String };
                  action "tools/call";
                  action "query" in ["tools/call"] appliesTo { principal: User, resource: Server, context: \(context) };
                }
                """, filename: "ns.cedarschema")
    }

    /// Real-looking facts of `shape`.
    static func facts(_ shape: ContextShape) -> ContextFacts {
        ContextFacts(
            time: RequestTime(microseconds: 1_776_339_005_250_000, hour: 11, minute: 30, weekday: 4, date: "2026-04-16"),
            sourceIP: "203.0.113.42",
            geo: (shape.bits & 2 != 0 ? "US" : nil, shape.bits & 4 != 0 ? "VA" : nil, shape.bits & 8 != 0 ? "Ashburn" : nil),
            agent: "maintenance-agent", session: shape.bits & 1 != 0 ? "mcp_sess_7k91" : nil, server: "database",
            method: "tools/call")
    }

    @Test func theShapesAnswerIsTheWalksAnswer() throws {
        let action = EntityUID("NS::Action", "query")
        var answers: [[Bool]] = []
        for text in Self.contextTypes {
            let surface = ToolSurface(schema: try Self.schema(context: text), unknownTools: .deny)
            var row: [Bool] = []
            for shape in ContextShape.all {
                let facts = Self.facts(shape)
                #expect(facts.shape == shape)
                guard case .record(let context)? = facts.cedarContext() else {
                    Issue.record("the facts' address must parse")
                    return
                }
                let walked = surface.requests.contextConforms(context, action: action)
                #expect(surface.contexts.conforms(action: action, shape: shape) == walked, "\(text), shape \(shape.bits)")
                let request = Request(
                    principal: EntityUID("NS::User", "a"), action: action, resource: EntityUID("NS::Server", "database"), context: context)
                let facts2 = MessageFacts(method: "tools/call", target: .tool("query"))
                let looked = surface.problem(request: request, facts: facts2, namespace: "NS", shape: shape)
                let full = surface.problem(request: request, facts: facts2, namespace: "NS")
                #expect(looked?.message == full?.message && looked?.record == full?.record, "\(text), shape \(shape.bits)")
                row.append(walked)
            }
            answers.append(row)
        }
        // The variants must tell shapes apart, or the comparison above could not catch a wrong bit.
        #expect(answers[0].allSatisfy { $0 }, "the generated context type admits every shape")
        #expect(answers[1] == ContextShape.all.map { $0.bits & 1 != 0 }, "session required")
        #expect(answers[2] == ContextShape.all.map { $0.bits & 1 == 0 }, "no session declared")
        #expect(answers[3] == ContextShape.all.map { $0.bits & 2 != 0 }, "geo.country required")
        #expect(answers[4] == ContextShape.all.map { $0.bits & 12 == 0 }, "only geo.country declared")
        #expect(answers[5].allSatisfy { !$0 } && answers[6].allSatisfy { !$0 }, "wrong time record, source_ip of another type")
    }

    @Test func anUndeclaredActionIsNeverKnownToConform() throws {
        let surface = ToolSurface(schema: try Self.schema(context: Self.contextTypes[0]), unknownTools: .deny)
        for shape in ContextShape.all {
            #expect(!surface.contexts.conforms(action: EntityUID("NS::Action", "drop_table"), shape: shape))
            #expect(!surface.contexts.conforms(action: EntityUID("Other::Action", "query"), shape: shape))
        }
    }

    /// The table goes with the schema: a reload that requires `session` refuses the next request
    /// without one, and a reload back admits it again.
    @Test func aSchemaReloadIsSeenOnTheNextRequest() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let tenant = try #require(h.tenants["acme"])
            let relative = try #require(h.config.tenant(named: "acme")?.schema)
            let path = relative.hasPrefix("/") ? relative : (h.root as NSString).appendingPathComponent(relative)
            let original = try String(contentsOfFile: path, encoding: .utf8)
            let call = {
                try h.send(h.request(Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#), key: h.key(PipelineHarness.alex)))
            }
            try call().expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)

            let strict = original.replacingOccurrences(of: "session?: String,", with: "session: String,")
            #expect(strict != original, "the generated schema declares `session?: String`")
            try strict.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))
            let refused = try call()
            refused.expectDenied(status: 403, code: -32003, words: ["does not conform", "context"])
            #expect(refused.record?.errors.contains { $0.hasPrefix("schema: context:") } == true)

            try original.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))
            try call().expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
        }
    }
}
