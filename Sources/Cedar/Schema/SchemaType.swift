/// A type as declared in a Cedar schema, with every name resolved to its fully qualified form.
public indirect enum SchemaType: Sendable, Hashable {
    case bool
    case long
    case string
    /// A set whose elements all have the given type.
    case set(SchemaType)
    /// A record with the given attributes (closed: no other attributes allowed).
    case record(RecordSchemaType)
    /// An entity reference of the given fully qualified entity type (e.g. `NS::User`).
    case entity(String)
    /// An extension type: `ipaddr`, `decimal`, `datetime` or `duration`.
    case extensionType(String)
}

/// A record type: attribute name to attribute type.
public struct RecordSchemaType: Sendable, Hashable {
    public var attributes: [String: AttributeSchemaType]

    public init(attributes: [String: AttributeSchemaType] = [:]) {
        self.attributes = attributes
    }
}

/// The declared type of one record attribute and whether it must be present.
public struct AttributeSchemaType: Sendable, Hashable {
    public var type: SchemaType
    public var isRequired: Bool

    public init(type: SchemaType, isRequired: Bool = true) {
        self.type = type
        self.isRequired = isRequired
    }
}

extension SchemaType: CustomStringConvertible {
    /// The type written the way Cedar's own messages write it.
    public var description: String {
        switch self {
        case .bool: return "Bool"
        case .long: return "Long"
        case .string: return "String"
        case .set(let element): return "Set<\(element)>"
        case .record(let record): return record.description
        case .entity(let name): return name
        case .extensionType(let name): return name
        }
    }
}

extension RecordSchemaType: CustomStringConvertible {
    public var description: String {
        var text = "{"
        for key in attributes.keys.sorted() {
            guard let attribute = attributes[key] else { continue }
            text += "\(key)\(attribute.isRequired ? "" : "?"): \(attribute.type),"
        }
        return text + "}"
    }
}

/// The Cedar extension types a schema may name.
enum ExtensionTypeName {
    static let all: Set<String> = ["ipaddr", "decimal", "datetime", "duration"]
}
