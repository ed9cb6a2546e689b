/// A parsed JSON document. Objects keep their keys in source order; integers stay exact. Strings and
/// keys compare by code points (see ``ExactString``).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case integer(Int64)
    /// Any other number, as written (fractions, exponents, out-of-range integers).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Key/value pairs in source order; duplicate keys are rejected by the parser.
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return CodePoints.equal(x, y)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { CodePoints.equal($0.key, $1.key) && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .integer(let i): h.combine(i)
        case .number(let s): h.combine(s)
        case .string(let s): CodePoints.hash(s, into: &h)
        case .array(let a): h.combine(a)
        case .object(let o):
            for (k, v) in o {
                CodePoints.hash(k, into: &h)
                h.combine(v)
            }
        }
    }

    /// The value for `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self {
            return pairs.first { CodePoints.equal($0.key, key) }?.value
        }
        return nil
    }

    /// A short name of the JSON kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
