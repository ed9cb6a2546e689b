import Cedar
import Foundation
import Testing
import WicketJSON

@testable import WicketCore

/// The list filter decides each entry on the upstream's entity layers (`CedarMapping.resolve(_:over:)`)
/// with the list's context record built once; it must answer exactly as the filter it replaced, which
/// built the flat overlay (`LayeredEntityStore`) and the context record for every entry and called the
/// generic authorizers. Compared on generated tool, prompt and resource lists against generated
/// policies (conditions on the context, the resource, attributes that may be missing, forbids and
/// permits over groups and action groups).
@Suite struct ListFilterLayersTests {
    static let namespace = "ServiceMCP"
    static let mapping = CedarMapping(namespace: namespace, serverName: "database")

    /// The filter as it was before the layers: flat overlay, context per entry, generic authorizers.
    struct FlatReference {
        let filter: ListFilter

        func hidingReason(_ entry: JSONValue) -> [String]? {
            let f = filter
            switch f.method {
            case "tools/list":
                guard let name = entry["name"]?.stringValue else { return ["(malformed entry)"] }
                if f.refusedTools.contains(Array(name.utf8)) { return ["(pinning)"] }
                if CedarMapping.ambiguity(method: "tools/call", tool: name) != nil { return ["(name)"] }
                if let surface = f.snapshot.toolSurface, surface.unknownTools == .deny,
                    !(surface.toolsByNamespace[f.mapping.namespace]?.contains(Array(name.utf8)) ?? false)
                {
                    return ["(schema)"]
                }
                let facts = MessageFacts(method: "tools/call", target: .tool(name))
                return f.resourceArguments.argument(forTool: name) == nil ? exact(facts) : residual(facts)
            case "prompts/list":
                guard let name = entry["name"]?.stringValue else { return ["(malformed entry)"] }
                return exact(MessageFacts(method: "prompts/get", target: .prompt(name)))
            case "resources/list":
                guard let uri = entry["uri"]?.stringValue else { return ["(malformed entry)"] }
                return exact(MessageFacts(method: "resources/read", target: .resource(uri)))
            default:
                guard entry["uriTemplate"]?.stringValue != nil else { return ["(malformed entry)"] }
                return residual(MessageFacts(method: "resources/read", target: .resource("")))
            }
        }

        private func cedarContext(method: String) -> [ExactString: Value]? {
            var facts = filter.context
            facts.method = method
            guard case .record(let record)? = facts.cedarContext() else { return nil }
            return record
        }

        private func exact(_ facts: MessageFacts) -> [String]? {
            let f = filter
            guard let context = cedarContext(method: facts.method) else { return ["(address)"] }
            let (action, resource, entities) = f.mapping.resolve(facts)
            let request = Request(principal: f.mapping.principal(member: f.member), action: action, resource: resource, context: context)
            if facts.method == "tools/call", let surface = f.snapshot.toolSurface,
                surface.problem(request: request, facts: facts, namespace: f.mapping.namespace) != nil
            {
                return ["(schema)"]
            }
            let store = LayeredEntityStore(base: f.snapshot.entities(namespace: f.mapping.namespace), overlay: entities)
            let response = Authorizer.isAuthorized(request, policies: f.snapshot.enforced, entities: store)
            if response.decision == .allow && response.errors.isEmpty { return nil }
            if response.decision == .deny && !response.reasons.isEmpty { return response.reasons }
            let erroring = response.errors.map(\.policyID)
            return erroring.isEmpty ? ["(no permit)"] : erroring
        }

        private func residual(_ facts: MessageFacts) -> [String]? {
            let f = filter
            guard let context = cedarContext(method: facts.method) else { return ["(address)"] }
            let (action, _, entities) = f.mapping.resolve(facts)
            let store = LayeredEntityStore(base: f.snapshot.entities(namespace: f.mapping.namespace), overlay: entities)
            let response = ResidualAuthorizer.decide(
                principal: f.mapping.principal(member: f.member), action: action, context: context,
                placeholder: f.mapping.serverUID, policies: f.snapshot.enforced, entities: store as LayeredEntityStore<Entities>)
            guard response.decision == .deny else { return nil }
            return response.determining.isEmpty ? ["(no permit)"] : response.determining
        }
    }

    /// A small deterministic generator (SplitMix64), so a failure names its seed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    /// Tool names: ASCII, a decomposed and a precomposed spelling of the same text (different
    /// actions to Cedar), reserved names and the tools/call group itself.
    static let toolNames = [
        "query", "delete_records", "drop_table", "post_message", "Ma\u{308}rz", "M\u{E4}rz", "session", "tools/call",
        "discovery", "report", "K", "\u{212A}",
    ]
    static let resources = ["file:///a", "file:///b", "prod.orders", "staging.orders", "", "A\u{30A}", "\u{C5}"]

    static func policy(_ g: inout Generator, index: Int) -> String {
        let ns = namespace
        let effect = g.chance(35) ? "forbid" : "permit"
        let principal = g.pick([
            "principal", "principal in \(ns)::Group::\"members\"", "principal in \(ns)::Group::\"engineering\"",
            "principal == \(ns)::User::\"sam@company.com\"", "principal is \(ns)::User",
        ])
        let action = g.pick([
            "action", "action in \(ns)::Action::\"tools/call\"",
            "action == \(ns)::Action::\"\(g.pick(toolNames).unicodeScalars.map { "\\u{\(String($0.value, radix: 16))}" }.joined())\"",
            "action in [\(ns)::Action::\"query\", \(ns)::Action::\"Ma\\u{308}rz\"]", "action == \(ns)::Action::\"prompts/get\"",
            "action == \(ns)::Action::\"resources/read\"", "action in \(ns)::Action::\"session\"",
        ])
        let resource = g.pick([
            "resource", "resource", "resource == \(ns)::Server::\"database\"", "resource is \(ns)::Resource",
            "resource in \(ns)::Server::\"database\"", "resource == \(ns)::Resource::\"prod.orders\"", "resource is \(ns)::Prompt",
        ])
        var conditions: [String] = []
        for _ in 0..<g.below(3) {
            conditions.append(
                g.pick([
                    "when { context.time.hour < \(g.below(24)) }",
                    "when { context.geo has country && context.geo.country == \"US\" }",
                    "when { context.geo.country == \"US\" }",  // errors when the address has no country
                    "unless { context.source_ip.isInRange(ip(\"10.0.0.0/8\")) }",
                    "when { context.agent == \"maintenance-agent\" }",
                    "when { context.method == \"tools/call\" }",
                    "when { resource.name like \"prod*\" }",
                    "when { resource has server && resource.server == \"database\" }",
                    "when { principal.department == \"support\" }",
                    "when { principal.missing == 1 }",  // errors for every principal
                    "when { resource is \(ns)::Resource && resource.name == \"A\\u{30A}\" }",
                ]))
        }
        return "@id(\"p\(index)\")\n\(effect) (\(principal), \(action), \(resource))\n\(conditions.joined(separator: "\n"));\n"
    }

    static func snapshot(_ g: inout Generator, base: Entities) throws -> PolicySnapshot {
        let text = (0..<(1 + g.below(7))).map { policy(&g, index: $0) }.joined(separator: "\n")
        let set = try PolicySet(text: text, file: "generated.cedar")
        return PolicySnapshot(
            enforced: set, shadow: nil, entitiesByNamespace: [namespace: base], fingerprint: SourceFingerprint(paths: []))
    }

    static func entries(_ g: inout Generator, method: String) -> [JSONValue] {
        (0..<(1 + g.below(8))).map { _ in
            let member: (String, String)
            switch method {
            case "tools/list", "prompts/list": member = ("name", g.pick(toolNames))
            case "resources/list": member = ("uri", g.pick(resources))
            default: member = ("uriTemplate", "file:///{path}")
            }
            if g.chance(5) { return .object(JSONObject(members: [.init(key: "title", value: .string("no name"))])) }
            return .object(JSONObject(members: [.init(key: member.0, value: .string(member.1))]))
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func theLayeredFilterAnswersAsTheFlatOverlayDid(seed: UInt64) throws {
        let members = try PolicyLoader.loadEntities(at: PipelineHarness.repoFile("policies/acme/entities.json"))
        let base = try NamespacedEntities.place(members, in: Self.namespace)
        var g = Generator(state: seed)
        var compared = 0
        var hidden = 0
        for round in 0..<250 {
            let snapshot = try Self.snapshot(&g, base: base)
            let method = g.pick(["tools/list", "tools/list", "prompts/list", "resources/list", "resources/templates/list"])
            var arguments: [String: String] = [:]
            for tool in Self.toolNames where g.chance(30) { arguments[tool] = "table" }
            var filter = ListFilter(
                method: method, member: g.pick(["alex@company.com", "sam@company.com", "nobody@company.com"]),
                context: ContextFacts(
                    time: RequestTime(date: Date(timeIntervalSince1970: Double(g.below(86_400 * 7))), timeZone: .gmt),
                    sourceIP: g.pick(["203.0.113.42", "10.1.2.3", "::1", "not-an-address"]),
                    geo: (g.chance(50) ? "US" : nil, nil, nil), agent: g.pick(["maintenance-agent", "other"]),
                    session: g.chance(50) ? "s-1" : nil, server: "database", method: method),
                mapping: Self.mapping, snapshot: snapshot, resourceArguments: ResourceArguments(arguments))
            if g.chance(20) { filter.refusedTools = [Array(g.pick(Self.toolNames).utf8)] }
            let list = Self.entries(&g, method: method)
            let reference = FlatReference(filter: filter)
            var expected = ListFilter.Outcome()
            for entry in list {
                let reason = reference.hidingReason(entry)
                #expect(filter.hidingReason(entry) == reason, "seed \(seed) round \(round): \(method) \(entry)")
                if let reason {
                    expected.hidden += 1
                    expected.hidingPolicies.formUnion(reason)
                } else {
                    expected.kept.append(entry)
                }
                compared += 1
            }
            let outcome = filter.filter(list)
            #expect(outcome.kept == expected.kept && outcome.hidden == expected.hidden, "seed \(seed) round \(round)")
            #expect(outcome.hidingPolicies == expected.hidingPolicies, "seed \(seed) round \(round)")
            hidden += expected.hidden
        }
        // The generated cases reach both answers, so agreement is not the same answer every time.
        #expect(compared > 500 && hidden > 100 && compared - hidden > 100)
    }

    /// The same on the example tenant with its schema (undeclared tools, request validation).
    @Test func withTheExampleSchema() throws {
        try withPipeline { h in
            let upstream = try #require(h.config.upstream(named: "database"))
            let tenant = try #require(h.tenants["acme"])
            var g = Generator(state: 99)
            for _ in 0..<60 {
                let filter = ListFilter(
                    method: "tools/list", member: g.pick([PipelineHarness.alex, PipelineHarness.sam]),
                    context: ContextFacts(
                        time: RequestTime(date: Date(timeIntervalSince1970: Double(g.below(86_400))), timeZone: .gmt),
                        sourceIP: "203.0.113.42", geo: (g.chance(50) ? "US" : nil, nil, nil), agent: "maintenance-agent",
                        session: nil, server: upstream.name, method: "tools/list"),
                    mapping: CedarMapping(namespace: upstream.namespace, serverName: upstream.name),
                    snapshot: tenant.snapshot, resourceArguments: ResourceArguments(upstream.resourceArguments))
                let list = Self.entries(&g, method: "tools/list")
                let reference = FlatReference(filter: filter)
                for entry in list { #expect(filter.hidingReason(entry) == reference.hidingReason(entry), "\(entry)") }
            }
        }
    }
}
