/// A Cedar runtime value.
///
/// Strings compare and hash by code points and record keys are ``ExactString``s, so two values are
/// equal exactly when Cedar says so (never by Unicode canonical equivalence).
public enum Value: Hashable, Sendable {
    case bool(Bool)
    /// A 64-bit signed integer; arithmetic overflow is an evaluation error.
    case long(Int64)
    case string(String)
    case entity(EntityUID)
    case set(Set<Value>)
    case record([ExactString: Value])
    /// A value of the `ipaddr`, `decimal`, `datetime` or `duration` extension type.
    case ext(ExtensionValue)

    /// The Cedar name of this value's type, used in error messages.
    public var typeName: String {
        switch self {
        case .bool: return "bool"
        case .long: return "long"
        case .string: return "string"
        case .entity(let uid): return "(entity of type `\(uid.type)`)"
        case .set: return "set"
        case .record: return "record"
        case .ext(let e): return e.typeName
        }
    }

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.long(let x), .long(let y)): return x == y
        case (.string(let x), .string(let y)): return CodePoints.equal(x, y)
        case (.entity(let x), .entity(let y)): return x == y
        case (.set(let x), .set(let y)): return x == y
        case (.record(let x), .record(let y)): return x == y
        case (.ext(let x), .ext(let y)): return x == y
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .bool(let b):
            h.combine(0 as UInt8)
            h.combine(b)
        case .long(let n):
            h.combine(1 as UInt8)
            h.combine(n)
        case .string(let s):
            h.combine(2 as UInt8)
            CodePoints.hash(s, into: &h)
        case .entity(let u):
            h.combine(3 as UInt8)
            h.combine(u)
        case .set(let s):
            h.combine(4 as UInt8)
            h.combine(s)
        case .record(let r):
            h.combine(5 as UInt8)
            h.combine(r)
        case .ext(let e):
            h.combine(6 as UInt8)
            h.combine(e)
        }
    }
}

/// A value of one of Cedar's extension types.
public enum ExtensionValue: Hashable, Sendable {
    case ipaddr(IPAddr)
    case decimal(CedarDecimal)
    case datetime(CedarDatetime)
    case duration(CedarDuration)

    /// The extension type's name (`ipaddr`, `decimal`, `datetime`, `duration`).
    public var typeName: String {
        switch self {
        case .ipaddr: return "ipaddr"
        case .decimal: return "decimal"
        case .datetime: return "datetime"
        case .duration: return "duration"
        }
    }
}
