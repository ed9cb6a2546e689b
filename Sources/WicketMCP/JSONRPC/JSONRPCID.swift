import WicketJSON

/// A JSON-RPC id as MCP allows it: a string or an integer (MCP forbids fractions and, for
/// requests, `null`).
public enum JSONRPCID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case integer(Int64)

    /// Reads an id from its JSON value; nil when it is neither a string nor an `Int64` integer.
    init?(_ value: JSONValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n):
            guard let i = n.int64Value else { return nil }
            self = .integer(i)
        default: return nil
        }
    }

    /// The id as JSON text (`"abc"` or `42`). An integer is its decimal digits, written straight
    /// into a string (every record of a request carries its id: no byte array to build and decode).
    public var description: String {
        if case .integer(let i) = self { return String(i) }
        var out: [UInt8] = []
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func append(to out: inout [UInt8]) {
        switch self {
        case .string(let s): JSONString.append(s, to: &out)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        }
    }
}
