/// Whether a value has a schema type, by the rules of ``Schema``'s validation (records closed: every
/// field declared and of its type, every required attribute present; an entity of the declared type and,
/// for an enumerated type, one of its ids). Names, record keys and enumerated ids are compared as bytes,
/// as the Rust engine compares them. The one walker of those rules: a request's context
/// (``RequestValidator``, its types compiled once per schema) and an entity's attributes and tags
/// (``Schema/value(_:conformsTo:)``) both go through it.
struct ValueConformance: Sendable {
    /// The ids of each enumerated entity type.
    let enumIDs: [Name: Set<ExactString>]

    /// The enumerated ids of `schema`'s entity types.
    init(_ schema: Schema) {
        var enums: [Name: Set<ExactString>] = [:]
        for (name, type) in schema.entityTypes {
            if let ids = type.enumIDs { enums[Name(name)] = Set(ids.map { ExactString($0) }) }
        }
        enumIDs = enums
    }

    /// ``Schema``'s record conformance: every field declared and of its type, every required attribute
    /// present. With distinct keys, the second holds exactly when as many fields are required
    /// attributes as the record has required attributes.
    func record(_ fields: [ExactString: Value], conformsTo record: CompiledRecord, depth: Int) -> Bool {
        var required = 0
        for (key, value) in fields {
            guard let attribute = record.attribute(key), conforms(value, attribute.type, depth: depth + 1) else { return false }
            if attribute.isRequired { required += 1 }
        }
        return required == record.requiredCount
    }

    func conforms(_ value: Value, _ type: CompiledType, depth: Int) -> Bool {
        guard depth < 256 else { return false }
        switch (value, type) {
        case (.bool, .bool), (.long, .long), (.string, .string):
            return true
        case (.set(let items), .set(let element)):
            return items.allSatisfy { conforms($0, element, depth: depth + 1) }
        case (.record(let fields), .record(let compiled)):
            return record(fields, conformsTo: compiled, depth: depth + 1)
        case (.entity(let uid), .entity(let expected)):
            guard uid.type == expected else { return false }
            guard let ids = enumIDs[expected] else { return true }
            return ids.contains(ExactString(uid.id))
        case (.ext(let ext), .extensionType(let name)):
            return ext.typeName == name
        default:
            return false
        }
    }
}

final class CompiledRecord: Sendable {
    let attributes: [ExactString: (type: CompiledType, isRequired: Bool)]
    let requiredCount: Int

    init(_ record: RecordSchemaType) {
        var attributes: [ExactString: (type: CompiledType, isRequired: Bool)] = [:]
        for (key, attribute) in record.attributes {
            attributes[ExactString(key)] = (CompiledType(attribute.type), attribute.isRequired)
        }
        self.attributes = attributes
        requiredCount = record.attributes.values.filter(\.isRequired).count
        listed = attributes.count <= 8 ? attributes.map { ($0.key, $0.value) } : []
    }

    /// A small record's attributes as a list: comparing a few short keys (two integer compares when
    /// both are the same short string) costs less than hashing one.
    private let listed: [(key: ExactString, value: (type: CompiledType, isRequired: Bool))]

    @inline(__always)
    func attribute(_ key: ExactString) -> (type: CompiledType, isRequired: Bool)? {
        guard !listed.isEmpty else { return attributes[key] }
        for k in listed.indices where listed[k].key == key { return listed[k].value }
        return nil
    }
}

indirect enum CompiledType: Sendable {
    case bool, long, string
    case set(CompiledType)
    case record(CompiledRecord)
    case entity(Name)
    case extensionType(String)

    init(_ type: SchemaType) {
        switch type {
        case .bool: self = .bool
        case .long: self = .long
        case .string: self = .string
        case .set(let element): self = .set(CompiledType(element))
        case .record(let record): self = .record(CompiledRecord(record))
        case .entity(let name): self = .entity(Name(name))
        case .extensionType(let name): self = .extensionType(name)
        }
    }
}
