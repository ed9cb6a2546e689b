/// The one JSON writer: compact text, members in their order, numbers in their original spelling,
/// strings quoted by ``JSONString`` (so the output is valid JSON whatever the strings hold).
extension JSONValue {
    /// Compact JSON text as bytes.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(to: &out)
        return out
    }

    /// Compact JSON text.
    public var text: String { String(decoding: encoded, as: UTF8.self) }

    /// Appends the compact JSON text of this value to `out`.
    public func append(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.text.utf8)
        case .string(let s): JSONString.append(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.append(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `string` as a JSON string literal (quotes included), appended to `out`.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        JSONString.append(string, to: &out)
    }
}
