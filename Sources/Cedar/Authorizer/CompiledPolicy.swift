/// A policy as the authorizer holds it: a reference type, so visiting a candidate retains one
/// object instead of copying the whole ``Policy`` value.
final class CompiledPolicy: Sendable {
    let policy: Policy
    let id: String
    let isPermit: Bool
    /// (expression, must be true) for `when` / `unless` clauses, in order.
    let conditions: [(Expr, Bool)]
    /// The scope has an `is` test, which the scope index does not check.
    let needsScopeCheck: Bool
    /// Some condition can read `context`; when none can, the policy's outcome for a principal, action
    /// and resource over a store is the same for every context (``ScopedPolicies``).
    let readsContext: Bool

    init(_ p: Policy, needsScopeCheck: Bool) {
        policy = p
        id = p.id
        isPermit = p.effect == .permit
        conditions = p.conditions.map { (ConstantFolding.fold($0.body), $0.kind == .when) }
        self.needsScopeCheck = needsScopeCheck
        readsContext = conditions.contains { $0.0.readsContext }
    }
}
