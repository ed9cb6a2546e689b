/// One request shape the schema allows: principal type, action, resource type and context type.
struct TypeEnvironment: Sendable {
    let schema: Schema
    let principal: String
    let action: Schema.ActionID
    let resource: String
    let context: [String: ValidatorType.QualifiedType]
    /// Entity types bound to the template slots, when checking a template.
    var principalSlot: String?
    var resourceSlot: String?

    /// Whether an entity of type `descendant` may be `in` an entity of type `ancestor`.
    func descendentOf(_ descendant: String, _ ancestor: String) -> Bool {
        if descendant == ancestor { return true }
        if schema.entityTypes[descendant] != nil {
            return schema.entityTypeAncestors[descendant]?.contains(ancestor) ?? false
        }
        // Action entity types: some action of this type has an ancestor of the other type.
        for (id, ancestors) in schema.actionAncestors where id.type == descendant {
            if ancestors.contains(where: { $0.type == ancestor }) { return true }
        }
        return false
    }

    /// Whether `uid` names a declared entity (valid for its enumerated type) or a declared action.
    func isKnownEntity(_ uid: EntityUID) -> Bool {
        if schema.entityTypes[uid.type.qualified] != nil { return schema.isValidEnumMember(uid) }
        return schema.actions[Schema.ActionID(uid)] != nil
    }

    func isActionType(_ type: String) -> Bool {
        schema.actionEntityTypes.contains(type)
    }
}
