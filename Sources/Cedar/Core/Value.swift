/// A Cedar runtime value.
public enum Value: Hashable, Sendable {
    case bool(Bool)
    /// A 64-bit signed integer; arithmetic overflow is an evaluation error.
    case long(Int64)
    case string(String)
    case entity(EntityUID)
    case set(Set<Value>)
    case record([String: Value])
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
