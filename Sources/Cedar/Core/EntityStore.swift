/// What the evaluator needs from an entity store.
///
/// Implementations answer ancestor queries from precomputed transitive closures, so `in` costs one
/// lookup. Callers can layer per-request entities over a shared store (see ``LayeredEntityStore``).
public protocol EntityStore {
    /// The entity with this uid, or `nil` when the store does not hold it.
    func entity(_ uid: EntityUID) -> Entity?
    /// Whether `ancestor` is a transitive ancestor of `uid` (not counting `uid` itself).
    func isAncestor(_ ancestor: EntityUID, of uid: EntityUID) -> Bool
    /// All transitive ancestors of `uid` (empty when unknown).
    func ancestors(of uid: EntityUID) -> Set<EntityUID>
}
