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

    struct Accumulator {
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

        /// What ``evaluate(_:_:)`` does for a policy whose outcome is already known.
        mutating func apply(_ p: CompiledPolicy, _ outcome: ScopedPolicies.Outcome) {
            switch outcome {
            case .holds: if p.isPermit { permits.append(p.id) } else { forbids.append(p.id) }
            case .fails: break
            case .error(let error): errors.append(PolicyError(policyID: p.id, error: error))
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

/// The policies of one set whose scope matches one principal, action and resource over one store,
/// found once (through the scope index, `is` tests checked) so that requests which share the three and
/// the store evaluate only these policies' conditions. A scope depends on nothing else (not on the
/// context), so the answer is the one ``Authorizer/isAuthorized(_:policies:entities:)`` gives.
///
/// A matching policy none of whose conditions mentions `context` has the same outcome (satisfied,
/// not, or its error) for every request with these three over this store: it is worked out here once,
/// and when every matching policy's is, so is the whole response (``fixed``). A class: a request reads
/// it out of its kept place with one retain, not a copy of every field.
public final class ScopedPolicies: Sendable {
    /// A policy's outcome, as the authorizer records it.
    enum Outcome: Sendable {
        case holds, fails
        case error(EvaluationError)
    }
    /// The set's compiled policies (identity: a list is used only with the set it was made from).
    let derived: PolicySet.Derived
    let principal: EntityUID
    let action: EntityUID
    let resource: EntityUID
    /// The matching policies, in the set's order, each with its outcome when it cannot read `context`.
    let matching: [(policy: CompiledPolicy, known: Outcome?)]
    /// The response for every context, when no matching policy reads `context`.
    public let fixed: Response?

    init(
        derived: PolicySet.Derived, principal: EntityUID, action: EntityUID, resource: EntityUID,
        matching: [(policy: CompiledPolicy, known: Outcome?)], fixed: Response?
    ) {
        self.derived = derived
        self.principal = principal
        self.action = action
        self.resource = resource
        self.matching = matching
        self.fixed = fixed
    }
}

extension PolicySet {
    /// The policies whose scope matches `principal`, `action` and `resource` over `store`.
    public func scoped(
        principal: EntityUID, action: EntityUID, resource: EntityUID, entities store: RequestEntities
    ) -> ScopedPolicies {
        // No condition evaluated with it reads `context` (only those that cannot are evaluated here).
        let probe = Request(principal: principal, action: action, resource: resource)
        let ev = Evaluator(request: probe, store: store)
        let compiled = derived.compiled
        var matching: [(policy: CompiledPolicy, known: ScopedPolicies.Outcome?)] = []
        var acc = Authorizer.Accumulator()
        var allKnown = true
        derived.index.forEachCandidate(probe, store) { i in
            let p = compiled[i]
            if p.needsScopeCheck && !ev.scopeMatches(p.policy) { return }
            guard !p.readsContext else {
                matching.append((p, nil))
                allKnown = false
                return
            }
            let outcome: ScopedPolicies.Outcome
            do throws(EvaluationError) { outcome = try ev.conditionsHold(p) ? .holds : .fails } catch { outcome = .error(error) }
            matching.append((p, outcome))
            acc.apply(p, outcome)
        }
        return ScopedPolicies(
            derived: derived, principal: principal, action: action, resource: resource, matching: matching,
            fixed: allKnown ? acc.response : nil)
    }

    /// ``authorize(_:entities:)`` evaluating only `scoped`'s policies. `store` must be the store `scoped`
    /// was found over; a list made for another set or another principal, action or resource is not
    /// used (the whole index is consulted instead), so it can cost time but never change an answer.
    public func authorize(_ request: Request, entities store: RequestEntities, scoped: ScopedPolicies) -> Response {
        guard scoped.derived === derived, scoped.principal == request.principal, scoped.action == request.action,
            scoped.resource == request.resource
        else { return Authorizer.isAuthorized(request, policies: self, entities: store) }
        if let fixed = scoped.fixed { return fixed }
        let ev = Evaluator(request: request, store: store)
        var acc = Authorizer.Accumulator()
        for (p, known) in scoped.matching {
            if let known { acc.apply(p, known) } else { acc.evaluate(p, ev) }
        }
        return acc.response
    }
}
