extension Schema {
    /// Whether `value` has schema type `type` (records closed: no undeclared attributes, required ones
    /// present; names, keys and enumerated ids compared as bytes): ``ValueConformance``'s rules.
    public func value(_ value: Value, conformsTo type: SchemaType) -> Bool {
        ValueConformance(self).conforms(value, CompiledType(type), depth: 0)
    }

    /// False only for a uid of an enumerated entity type whose id is not one of the enumerated ids.
    public func isValidEnumMember(_ uid: EntityUID) -> Bool {
        guard let ids = entityTypes[uid.type.qualified]?.enumIDs else { return true }
        return ids.contains { CodePoints.equal($0, uid.id) }
    }
}
