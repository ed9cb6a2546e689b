/// Authorization with the resource unknown: a sound over-approximation of partial evaluation.
///
/// A policy whose scope constrains `resource`, or one of whose conditions mentions `resource`, is a
/// residual ("maybe": it may or may not apply, or may error, depending on the resource). Every other
/// policy is evaluated exactly. The answer is ``ResidualResponse/Decision/deny`` only when every
/// resource would be denied under the strict rule (any policy error denies): a resource-independent
/// `forbid` applies, a resource-independent policy errors, or no `permit` can apply at all.
public enum ResidualAuthorizer {
    /// `placeholder` stands for the resource in the evaluator; no policy that reads it is evaluated.
    public static func decide<S: EntityStore>(
        principal: EntityUID, action: EntityUID, context: [ExactString: Value],
        placeholder: EntityUID, policies: PolicySet, entities store: S
    ) -> ResidualResponse {
        residual(principal: principal, action: action, context: context, placeholder: placeholder, policies: policies, entities: store)
    }

    /// The same, specialized inside this module for a request's layered entities, so a caller in
    /// another module (the list filter) gets no generic dispatch on every store lookup.
    public static func decide(
        principal: EntityUID, action: EntityUID, context: [ExactString: Value],
        placeholder: EntityUID, policies: PolicySet, entities store: RequestEntities
    ) -> ResidualResponse {
        residual(principal: principal, action: action, context: context, placeholder: placeholder, policies: policies, entities: store)
    }

    private static func residual<S: EntityStore>(
        principal: EntityUID, action: EntityUID, context: [ExactString: Value],
        placeholder: EntityUID, policies: PolicySet, entities store: S
    ) -> ResidualResponse {
        let request = Request(principal: principal, action: action, resource: placeholder, context: context)
        let ev = Evaluator(request: request, store: store)
        var forbids: [String] = []
        var errors: [String] = []
        var permits: [String] = []
        var residualPermits: [String] = []
        for p in policies.compiled {
            guard ev.matches(p.policy.principal, request.principal), ev.matches(p.policy.action) else { continue }
            let independent = p.policy.resource == .any && !p.conditions.contains { $0.0.mentions(.resource) }
            if independent {
                do throws(EvaluationError) {
                    if try ev.conditionsHold(p) {
                        if p.isPermit { permits.append(p.id) } else { forbids.append(p.id) }
                    }
                } catch {
                    errors.append(p.id)
                }
                continue
            }
            // A residual permit that a resource-independent condition rules out can never allow
            // (it is either not satisfied or errors, and an error denies too).
            if p.isPermit && !ruledOut(p, ev) { residualPermits.append(p.id) }
        }
        if !forbids.isEmpty || !errors.isEmpty {
            return ResidualResponse(decision: .deny, determining: forbids + errors, permits: permits + residualPermits)
        }
        if permits.isEmpty && residualPermits.isEmpty {
            return ResidualResponse(decision: .deny, determining: [], permits: [])
        }
        return ResidualResponse(decision: .maybe, determining: [], permits: permits + residualPermits)
    }

    private static func ruledOut<S: EntityStore>(_ p: CompiledPolicy, _ ev: Evaluator<S>) -> Bool {
        for (body, wanted) in p.conditions where !body.mentions(.resource) {
            do throws(EvaluationError) {
                if case .bool(let b) = try ev.eval(body, 0), b != wanted { return true }
            } catch {
                return true
            }
        }
        return false
    }
}

/// The decision for an unknown resource.
public struct ResidualResponse: Sendable, Hashable {
    public enum Decision: String, Sendable, Hashable {
        /// Some resource may be allowed (not a promise that any is: residual policies are not evaluated).
        case maybe
        /// Every resource is denied.
        case deny
    }

    public let decision: Decision
    /// On deny: the forbids that apply regardless of resource and the policies that error
    /// regardless of resource; empty when no permit can apply.
    public let determining: [String]
    /// The permits that apply, or may apply, regardless of the resource.
    public let permits: [String]
}

extension Expr {
    /// Whether the expression reads the variable anywhere.
    public func mentions(_ variable: Var) -> Bool {
        switch self {
        case .variable(let v): return v == variable
        case .literal, .slot: return false
        case .not(let x), .negate(let x), .isEmpty(let x), .like(let x, _), .isType(let x, _),
            .getAttr(let x, _), .hasAttr(let x, _):
            return x.mentions(variable)
        case .binary(_, let l, let r), .and(let l, let r), .or(let l, let r):
            return l.mentions(variable) || r.mentions(variable)
        case .ifThenElse(let c, let t, let f):
            return c.mentions(variable) || t.mentions(variable) || f.mentions(variable)
        case .set(let items), .call(_, let items):
            return items.contains { $0.mentions(variable) }
        case .record(let fields):
            return fields.contains { $0.value.mentions(variable) }
        }
    }
}
