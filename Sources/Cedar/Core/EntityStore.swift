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
    /// The attribute `name` of `uid` (a fast path; the default reads ``entity(_:)``).
    func attribute(_ name: String, of uid: EntityUID) -> Lookup
    /// The tag `name` of `uid` (a fast path; the default reads ``entity(_:)``).
    func tag(_ name: String, of uid: EntityUID) -> Lookup
    /// All attributes of `uid`, or `nil` when the entity is absent (the evaluator reads the
    /// principal's and resource's once per request).
    func attributes(of uid: EntityUID) -> [ExactString: Value]?
}

/// The result of reading an attribute or tag from a store.
public enum Lookup {
    case value(Value)
    case noSuchName
    case noSuchEntity
}

extension EntityStore {
    public func attribute(_ name: String, of uid: EntityUID) -> Lookup {
        guard let e = entity(uid) else { return .noSuchEntity }
        guard let v = e.attributes[ExactString(name)] else { return .noSuchName }
        return .value(v)
    }

    public func attributes(of uid: EntityUID) -> [ExactString: Value]? { entity(uid)?.attributes }

    public func tag(_ name: String, of uid: EntityUID) -> Lookup {
        guard let e = entity(uid) else { return .noSuchEntity }
        guard let v = e.tags[ExactString(name)] else { return .noSuchName }
        return .value(v)
    }
}
