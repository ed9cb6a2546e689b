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

    init(_ p: Policy, needsScopeCheck: Bool) {
        policy = p
        id = p.id
        isPermit = p.effect == .permit
        conditions = p.conditions.map { (ConstantFolding.fold($0.body), $0.kind == .when) }
        self.needsScopeCheck = needsScopeCheck
    }
}
