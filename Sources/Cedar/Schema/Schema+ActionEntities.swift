extension Schema {
    /// The schema's actions as entities (no attributes; parents are their action groups), for the entity store.
    public func actionEntities() -> [Entity] {
        actionOrder.compactMap { id in
            guard let action = actions[id] else { return nil }
            return Entity(
                uid: id.entityUID,
                parents: Set(action.memberOf.map(\.entityUID)))
        }
    }

    /// The declaration of the action with this uid, if any.
    public func action(_ uid: EntityUID) -> Action? {
        actions[ActionID(uid)]
    }
}

extension Schema.ActionID {
    /// The action as an entity uid.
    public var entityUID: EntityUID { EntityUID(type: Name(type), id: id) }

    /// The action id of an entity uid.
    public init(_ uid: EntityUID) {
        self.init(type: uid.type.qualified, id: uid.id)
    }
}
