/// Cedar's authorization algorithm: default deny, forbid overrides permit, and a policy whose
/// evaluation errors is skipped and reported.
public enum Authorizer {
    /// Decides `request` against `policies`, reading entities from `store`.
    ///
    /// Only policies whose scope matches (found through the scope index) are evaluated; the
    /// answer is the same as evaluating every policy.
    public static func isAuthorized<S: EntityStore>(_ request: Request, policies: PolicySet, entities store: S) -> Response {
        let ev = Evaluator(request: request, store: store)
        var acc = Accumulator()
        let derived = policies.derived
        let compiled = derived.compiled
        derived.index.forEachCandidate(request, store) { i in
            let p = compiled[i]
            if p.needsScopeCheck && !ev.scopeMatches(p.policy) { return }
            acc.evaluate(p, ev)
        }
        return acc.response
    }

    /// The same decision computed by evaluating every policy, without the index (for tests and
    /// for checking the index).
    public static func isAuthorizedWithoutIndex<S: EntityStore>(_ request: Request, policies: PolicySet, entities store: S) -> Response {
        let ev = Evaluator(request: request, store: store)
        var acc = Accumulator()
        for p in policies.compiled where ev.scopeMatches(p.policy) {
            acc.evaluate(p, ev)
        }
        return acc.response
    }

    private struct Accumulator {
        var permits: [String] = []
        var forbids: [String] = []
        var errors: [PolicyError] = []

        mutating func evaluate<S: EntityStore>(_ p: CompiledPolicy, _ ev: Evaluator<S>) {
            do throws(EvaluationError) {
                if try ev.conditionsHold(p) {
                    if p.isPermit { permits.append(p.id) } else { forbids.append(p.id) }
                }
            } catch {
                errors.append(PolicyError(policyID: p.id, error: error))
            }
        }

        var response: Response {
            if !forbids.isEmpty { return Response(decision: .deny, reasons: forbids, errors: errors) }
            if !permits.isEmpty { return Response(decision: .allow, reasons: permits, errors: errors) }
            return Response(decision: .deny, reasons: [], errors: errors)
        }
    }
}

extension PolicySet {
    /// Shorthand for ``Authorizer/isAuthorized(_:policies:entities:)``.
    public func authorize<S: EntityStore>(_ request: Request, entities: S) -> Response {
        Authorizer.isAuthorized(request, policies: self, entities: entities)
    }
}

extension PolicySet {
    /// Non-generic entry points for the stores this module ships, so callers in other modules get
    /// code specialized for them rather than generic dispatch.
    public func authorize(_ request: Request, entities: Entities) -> Response {
        Authorizer.isAuthorized(request, policies: self, entities: entities)
    }

    public func authorize(_ request: Request, entities: LayeredEntityStore<Entities>) -> Response {
        Authorizer.isAuthorized(request, policies: self, entities: entities)
    }

    public func authorize(_ request: Request, entities: RequestEntities) -> Response {
        Authorizer.isAuthorized(request, policies: self, entities: entities)
    }
}
