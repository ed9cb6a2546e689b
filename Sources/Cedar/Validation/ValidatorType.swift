/// The types of Cedar's strict typechecker (Cedar's formal model: `CedarType`).
indirect enum ValidatorType: Hashable, Sendable, CustomStringConvertible {
    /// `Bool`, or the singleton types `True` / `False` the typechecker uses to short-circuit.
    case bool(BoolKind)
    case long
    case string
    /// An entity of exactly this fully qualified type.
    case entity(String)
    case set(ValidatorType)
    case record([String: QualifiedType])
    /// `ipaddr`, `decimal`, `datetime` or `duration`.
    case ext(String)

    enum BoolKind: Hashable, Sendable {
        case anyBool, tt, ff

        var negated: BoolKind {
            switch self {
            case .anyBool: return .anyBool
            case .tt: return .ff
            case .ff: return .tt
            }
        }
    }

    struct QualifiedType: Hashable, Sendable {
        var type: ValidatorType
        var isRequired: Bool
    }

    init(_ schemaType: SchemaType) {
        switch schemaType {
        case .bool: self = .bool(.anyBool)
        case .long: self = .long
        case .string: self = .string
        case .entity(let name): self = .entity(name)
        case .set(let element): self = .set(ValidatorType(element))
        case .record(let record): self = .record(Self.record(record))
        case .extensionType(let name): self = .ext(name)
        }
    }

    static func record(_ record: RecordSchemaType) -> [String: QualifiedType] {
        record.attributes.mapValues { QualifiedType(type: ValidatorType($0.type), isRequired: $0.isRequired) }
    }

    /// Cedar's strict least upper bound: equal types, except that booleans join to `Bool` and
    /// sets and records (with exactly the same attributes) join element-wise.
    static func lub(_ a: ValidatorType, _ b: ValidatorType) -> ValidatorType? {
        switch (a, b) {
        case (.bool(let x), .bool(let y)):
            return .bool(x == y ? x : .anyBool)
        case (.set(let x), .set(let y)):
            return lub(x, y).map { .set($0) }
        case (.record(let x), .record(let y)):
            guard x.count == y.count else { return nil }
            var joined: [String: QualifiedType] = [:]
            for (key, qx) in x {
                guard let qy = y[key], let type = lub(qx.type, qy.type) else { return nil }
                joined[key] = QualifiedType(type: type, isRequired: qx.isRequired && qy.isRequired)
            }
            return .record(joined)
        default:
            return a == b ? a : nil
        }
    }

    var isBool: Bool { if case .bool = self { return true } else { return false } }

    var description: String {
        switch self {
        case .bool(.anyBool): return "Bool"
        case .bool(.tt): return "__cedar::internal::True"
        case .bool(.ff): return "__cedar::internal::False"
        case .long: return "Long"
        case .string: return "String"
        case .entity(let name): return name
        case .set(let element): return "Set<\(element)>"
        case .ext(let name): return name
        case .record(let attributes):
            var text = "{"
            for key in attributes.keys.sorted() {
                guard let q = attributes[key] else { continue }
                text += "\(key)\(q.isRequired ? "" : "?"): \(q.type),"
            }
            return text + "}"
        }
    }
}
