extension Schema {
    /// Whether `value` has schema type `type` (records closed: no undeclared attributes, required ones present).
    public func value(_ value: Value, conformsTo type: SchemaType) -> Bool {
        conforms(value, type, depth: 0)
    }

    private func conforms(_ value: Value, _ type: SchemaType, depth: Int) -> Bool {
        guard depth < 256 else { return false }
        switch (value, type) {
        case (.bool, .bool), (.long, .long), (.string, .string):
            return true
        case (.set(let items), .set(let element)):
            return items.allSatisfy { conforms($0, element, depth: depth + 1) }
        case (.record(let fields), .record(let record)):
            return recordConforms(fields, record, depth: depth + 1)
        case (.entity(let uid), .entity(let expected)):
            return uid.type.qualified == expected && isValidEnumMember(uid)
        case (.ext(let ext), .extensionType(let name)):
            return ext.typeName == name
        default:
            return false
        }
    }

    func recordConforms(_ fields: [ExactString: Value], _ record: RecordSchemaType, depth: Int = 0) -> Bool {
        for (key, value) in fields {
            guard let attribute = record.attributes[key.string], conforms(value, attribute.type, depth: depth + 1) else { return false }
        }
        return record.attributes.allSatisfy { !$0.value.isRequired || fields[ExactString($0.key)] != nil }
    }

    /// False only for a uid of an enumerated entity type whose id is not one of the enumerated ids.
    public func isValidEnumMember(_ uid: EntityUID) -> Bool {
        guard let ids = entityTypes[uid.type.qualified]?.enumIDs else { return true }
        return ids.contains { CodePoints.equal($0, uid.id) }
    }
}
