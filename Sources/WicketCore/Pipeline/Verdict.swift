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
        guard case .record(let context)? = contextFacts.cedarContext() else {
            throw Refusal.forbidden("the client address `\(contextFacts.sourceIP)` is not an IP address")
        }
        // Everything but the context, made once per (member, message) in this snapshot (KeptContext.swift).
        let snapshot = shared.value
        let kept = snapshot.keptRequest(KeptRequestKey(mapping: mapping, member: member, facts: facts))
        let action = kept.action
        let request = Request(principal: kept.principal, action: action, resource: kept.resource, context: context)
        // Optional chaining reads the surface in place; binding it would copy (retain) its every table.
        // The context came from `cedarContext()`: its schema conformance is looked up by its shape.
        if !kept.admits(contextFacts.shape),
            let problem = snapshot.toolSurface?.problem(
                request: request, facts: facts, namespace: mapping.namespace, shape: contextFacts.shape)
        {
            // Refused before any policy: the schema does not admit this request.
            allowed = false
            explanation = DecisionExplanation(policyIDs: [], in: snapshot.enforced, context: context)
            errors = [problem.record]
            refusal = .forbidden(problem.message, id: jsonrpcID)
            shadowAllowed = nil
            return
        }
        let response = kept.authorize(request, by: snapshot.enforced)
        errors = response.errors.map { Self.errorPrefix + "\($0.policyID)`: \($0.error.message)" }
        allowed = response.decision == .allow && response.errors.isEmpty
        if let shadow = snapshot.shadow {
            let candidate = kept.authorizeShadow(request, by: shadow)
            shadowAllowed = candidate.decision == .allow && candidate.errors.isEmpty
        } else {
            shadowAllowed = nil
        }

        let forbidden = response.decision == .deny && !response.reasons.isEmpty
        let determining = Self.determining(response)
        explanation =
            kept.explanation(of: determining)
            ?? DecisionExplanation(policyIDs: determining, in: snapshot.enforced, explained: snapshot.explained, context: context)
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

    /// What decided: the permits on allow, the forbids on a policy deny, else the erroring policies.
    static func determining(_ response: Response) -> [String] {
        let allowed = response.decision == .allow && response.errors.isEmpty
        let forbidden = response.decision == .deny && !response.reasons.isEmpty
        return allowed || forbidden ? response.reasons : response.errors.map(\.policyID)
    }
}
