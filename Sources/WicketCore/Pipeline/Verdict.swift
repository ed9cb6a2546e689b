import Cedar
import WicketMCP

/// The Cedar decision for one message, with Wicket's stricter rule: any policy error denies,
/// because a skipped `forbid` must never turn into an allow.
struct Verdict {
    let allowed: Bool
    let explanation: DecisionExplanation
    let errors: [String]
    let refusal: Refusal?
    /// The shadow set's decision (same strict rule), when the tenant has one.
    let shadowAllowed: Bool?
    /// How a policy evaluation error starts in a record's errors (counted as `policy` errors).
    static let errorPrefix = "policy `"

    init(
        facts: MessageFacts, member: String, context contextFacts: ContextFacts, mapping: CedarMapping,
        snapshot shared: SharedSnapshot, jsonrpcID: JSONRPCID?
    ) throws {
        // Read through the shared reference: a `PolicySnapshot` argument would be copied (every one of
        // its tables retained and released) for every message.
        guard case .record(let context)? = contextFacts.cedarContext() else {
            throw Refusal.forbidden("the client address `\(contextFacts.sourceIP)` is not an IP address")
        }
        // The table read in place: `entities(namespace:)`, a method of the snapshot, copied the whole snapshot per request.
        let base = shared.value.entitiesByNamespace[mapping.namespace] ?? Entities()
        let (action, resource, store) = mapping.resolve(facts, over: base)
        let request = Request(principal: mapping.principal(member: member), action: action, resource: resource, context: context)
        // Optional chaining reads the surface in place; binding it would copy (retain) its every table.
        // The context came from `cedarContext()`: its schema conformance is looked up by its shape.
        if let problem = shared.value.toolSurface?.problem(
            request: request, facts: facts, namespace: mapping.namespace, shape: contextFacts.shape)
        {
            // Refused before any policy: the schema does not admit this request.
            allowed = false
            explanation = DecisionExplanation(policyIDs: [], in: shared.value.enforced, context: context)
            errors = [problem.record]
            refusal = .forbidden(problem.message, id: jsonrpcID)
            shadowAllowed = nil
            return
        }
        let response = shared.value.enforced.authorize(request, entities: store)
        errors = response.errors.map { Self.errorPrefix + "\($0.policyID)`: \($0.error.message)" }
        allowed = response.decision == .allow && response.errors.isEmpty
        if let shadow = shared.value.shadow {
            let candidate = shadow.authorize(request, entities: store)
            shadowAllowed = candidate.decision == .allow && candidate.errors.isEmpty
        } else {
            shadowAllowed = nil
        }

        let forbidden = response.decision == .deny && !response.reasons.isEmpty
        let erroring = response.errors.map(\.policyID)
        // What decided: the permits on allow, the forbids on a policy deny, else the erroring policies.
        let determining = allowed || forbidden ? response.reasons : erroring
        explanation = DecisionExplanation(
            policyIDs: determining, in: shared.value.enforced, explained: shared.value.explained, context: context)
        if allowed {
            refusal = nil
        } else if forbidden, let first = explanation.policies.first {
            let reason = first.annotations["reason"].map { ": \($0)" } ?? ""
            refusal = .forbidden("denied by policy `\(first.id)`\(reason)", rule: first.id, id: jsonrpcID)
        } else if let error = response.errors.first {
            refusal = .forbidden(
                "denied: policy `\(error.policyID)` could not be evaluated (\(error.error.message))",
                rule: error.policyID, id: jsonrpcID)
        } else {
            refusal = .forbidden(
                "denied: no policy permits `\(member)` to use `\(action.id)` on `\(mapping.serverName)`",
                id: jsonrpcID)
        }
    }
}
