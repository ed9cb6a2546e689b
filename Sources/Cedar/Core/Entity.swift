/// An entity: its uid, attributes, direct parents and tags.
public struct Entity: Sendable, Equatable {
    public let uid: EntityUID
    public var attributes: [String: Value]
    /// Direct parents; transitive ancestors are computed by the store.
    public var parents: Set<EntityUID>
    public var tags: [String: Value]

    public init(
        uid: EntityUID, attributes: [String: Value] = [:], parents: Set<EntityUID> = [],
        tags: [String: Value] = [:]
    ) {
        self.uid = uid
        self.attributes = attributes
        self.parents = parents
        self.tags = tags
    }
}
