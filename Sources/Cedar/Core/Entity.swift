/// An entity: its uid, attributes, direct parents and tags.
public struct Entity: Sendable, Equatable {
    public let uid: EntityUID
    public var attributes: [ExactString: Value]
    /// Direct parents; transitive ancestors are computed by the store.
    public var parents: Set<EntityUID>
    public var tags: [ExactString: Value]

    public init(
        uid: EntityUID, attributes: [ExactString: Value] = [:], parents: Set<EntityUID> = [],
        tags: [ExactString: Value] = [:]
    ) {
        self.uid = uid
        self.attributes = attributes
        self.parents = parents
        self.tags = tags
    }
}
