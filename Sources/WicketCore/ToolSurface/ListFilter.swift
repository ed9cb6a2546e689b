import Cedar
import WicketJSON

/// Decides which entries of a list answer a member sees: an entry is kept unless every call it
/// offers would be denied now (this time, address, geo and agent).
///
/// Where the call's resource is known from the entry — a prompt, a resource's URI, a tool with no
/// resource argument (its resource is the server) — the decision is the call's own. Where it is not
/// — a tool with a configured resource argument, a resource template — the Cedar module's
/// ``ResidualAuthorizer`` decides with the resource unknown, and the entry is hidden only when no
/// permit can apply or a forbid (or a policy error) applies whatever the resource.
struct ListFilter {
    /// The list methods, and the result member that holds their entries.
    static let entryKeys: [String: String] = [
        "tools/list": "tools", "prompts/list": "prompts",
        "resources/list": "resources", "resources/templates/list": "resourceTemplates",
    ]

    let method: String
    let member: String
    let context: ContextFacts
    let mapping: CedarMapping
    let snapshot: PolicySnapshot
    let resourceArguments: ResourceArguments
    /// The UTF-8 names of tools refused before any policy (a definition changed since review).
    var refusedTools: Set<[UInt8]> = []

    struct Outcome {
        var kept: [JSONValue] = []
        var hidden = 0
        /// The policies that hid entries (forbids, erroring policies), plus `(no permit)` and
        /// `(schema)` / `(pinning)` for entries hidden for those reasons.
        var hidingPolicies: Set<String> = []
    }

    func filter(_ entries: [JSONValue]) -> Outcome {
        var outcome = Outcome()
        let calls = Calls(self)
        for entry in entries {
            if let reason = hidingReason(entry, calls) {
                outcome.hidden += 1
                outcome.hidingPolicies.formUnion(reason)
            } else {
                outcome.kept.append(entry)
            }
        }
        return outcome
    }

    /// Why the entry is hidden (the policies, or a bracketed cause), or nil to keep it.
    func hidingReason(_ entry: JSONValue) -> [String]? {
        hidingReason(entry, Calls(self))
    }

    /// What every entry's decision shares, worked out once per list instead of once per entry: the
    /// call's context record (the list's facts with the call's method: every entry of one list is
    /// the same method), the principal, and the tenant's entities in the upstream's namespace.
    struct Calls {
        let method: String
        /// nil when the client address is not an IP address (every entry is hidden, `(address)`).
        let context: [ExactString: Value]?
        let principal: EntityUID
        let base: Entities

        init(_ filter: ListFilter) {
            method = Self.callMethod(of: filter.method)
            var facts = filter.context
            facts.method = method
            if case .record(let record)? = facts.cedarContext() { context = record } else { context = nil }
            principal = filter.mapping.principal(member: filter.member)
            base = filter.snapshot.entities(namespace: filter.mapping.namespace)
        }

        /// The call an entry of the list offers.
        static func callMethod(of list: String) -> String {
            switch list {
            case "tools/list": "tools/call"
            case "prompts/list": "prompts/get"
            default: "resources/read"
            }
        }
    }

    private func hidingReason(_ entry: JSONValue, _ calls: Calls) -> [String]? {
        switch method {
        case "tools/list":
            guard let name = entry["name"]?.stringValue else { return ["(malformed entry)"] }
            let bytes = Array(name.utf8)
            if refusedTools.contains(bytes) { return ["(pinning)"] }
            if CedarMapping.ambiguity(method: "tools/call", tool: name) != nil { return ["(name)"] }
            if let surface = snapshot.toolSurface, surface.unknownTools == .deny,
                !(surface.toolsByNamespace[mapping.namespace]?.contains(bytes) ?? false)
            {
                return ["(schema)"]
            }
            let facts = MessageFacts(method: "tools/call", target: .tool(name))
            return resourceArguments.argument(forTool: name) == nil ? exact(facts, calls) : residual(facts, calls)
        case "prompts/list":
            guard let name = entry["name"]?.stringValue else { return ["(malformed entry)"] }
            return exact(MessageFacts(method: "prompts/get", target: .prompt(name)), calls)
        case "resources/list":
            guard let uri = entry["uri"]?.stringValue else { return ["(malformed entry)"] }
            return exact(MessageFacts(method: "resources/read", target: .resource(uri)), calls)
        default:
            guard entry["uriTemplate"]?.stringValue != nil else { return ["(malformed entry)"] }
            return residual(MessageFacts(method: "resources/read", target: .resource("")), calls)
        }
    }

    /// The call's own decision, with Wicket's strict rule (any policy error denies). The entities are
    /// the upstream's layers with the entry's own action and resource (``CedarMapping/resolve(_:over:)``:
    /// the same store as the flat overlay, built without its dictionaries).
    private func exact(_ facts: MessageFacts, _ calls: Calls) -> [String]? {
        guard let context = calls.context else { return ["(address)"] }
        let (action, resource, store) = mapping.resolve(facts, over: calls.base)
        let request = Request(principal: calls.principal, action: action, resource: resource, context: context)
        if facts.method == "tools/call", let surface = snapshot.toolSurface,
            surface.problem(request: request, facts: facts, namespace: mapping.namespace) != nil
        {
            return ["(schema)"]
        }
        let response = snapshot.enforced.authorize(request, entities: store)
        if response.decision == .allow && response.errors.isEmpty { return nil }
        if response.decision == .deny && !response.reasons.isEmpty { return response.reasons }
        let erroring = response.errors.map(\.policyID)
        return erroring.isEmpty ? ["(no permit)"] : erroring
    }

    /// The decision with the resource unknown.
    private func residual(_ facts: MessageFacts, _ calls: Calls) -> [String]? {
        guard let context = calls.context else { return ["(address)"] }
        let (action, _, store) = mapping.resolve(facts, over: calls.base)
        let response = ResidualAuthorizer.decide(
            principal: calls.principal, action: action, context: context,
            placeholder: mapping.serverUID, policies: snapshot.enforced, entities: store)
        guard response.decision == .deny else { return nil }
        return response.determining.isEmpty ? ["(no permit)"] : response.determining
    }
}
