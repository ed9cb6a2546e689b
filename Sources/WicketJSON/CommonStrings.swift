/// The keys and values that every MCP request body carries (`"jsonrpc":"2.0"`, `"method":"tools/call"`,
/// `"params"`, `"name"`, `"arguments"`…, and a one-digit `id`'s number text), returned as the same text written in code: a string made from
/// the body's bytes is validated and built each time (~180 instructions), a literal is already made.
/// Same bytes, same `String`: only the cost differs.
enum CommonStrings {
    /// The common string whose UTF-8 is exactly the `count` bytes at `bytes`, or nil.
    @inline(__always)
    static func string(at bytes: UnsafeRawPointer, count: Int) -> String? {
        switch count {
        case 1: return digit(bytes.load(as: UInt8.self))
        case 2: return same(bytes, "id") ? "id" : nil
        case 3:
            if same(bytes, "2.0") { return "2.0" }
            return same(bytes, "uri") ? "uri" : nil
        case 4:
            if same(bytes, "name") { return "name" }
            if same(bytes, "code") { return "code" }
            if same(bytes, "type") { return "type" }
            return same(bytes, "data") ? "data" : nil
        case 5:
            if same(bytes, "error") { return "error" }
            return same(bytes, "_meta") ? "_meta" : nil
        case 6:
            if same(bytes, "method") { return "method" }
            if same(bytes, "params") { return "params" }
            return same(bytes, "result") ? "result" : nil
        case 7:
            if same(bytes, "jsonrpc") { return "jsonrpc" }
            return same(bytes, "message") ? "message" : nil
        case 9: return same(bytes, "arguments") ? "arguments" : nil
        case 10:
            if same(bytes, "tools/call") { return "tools/call" }
            return same(bytes, "tools/list") ? "tools/list" : nil
        default: return nil
        }
    }

    /// A one-digit number's text (a request's usual `id`), or nil for any other byte.
    @inline(__always)
    private static func digit(_ byte: UInt8) -> String? {
        switch byte {
        case UInt8(ascii: "0"): "0"
        case UInt8(ascii: "1"): "1"
        case UInt8(ascii: "2"): "2"
        case UInt8(ascii: "3"): "3"
        case UInt8(ascii: "4"): "4"
        case UInt8(ascii: "5"): "5"
        case UInt8(ascii: "6"): "6"
        case UInt8(ascii: "7"): "7"
        case UInt8(ascii: "8"): "8"
        case UInt8(ascii: "9"): "9"
        default: nil
        }
    }

    /// Every common string, for the tests.
    static let all = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        "id", "2.0", "uri", "name", "code", "type", "data", "error", "_meta", "method", "params", "result",
        "jsonrpc", "message", "arguments", "tools/call", "tools/list",
    ]

    /// Whether the bytes at `bytes` are `text`'s (the caller checked the count).
    @inline(__always)
    private static func same(_ bytes: UnsafeRawPointer, _ text: StaticString) -> Bool {
        let expected = text.utf8Start
        var i = 0
        while i < text.utf8CodeUnitCount {
            if bytes.load(fromByteOffset: i, as: UInt8.self) != expected[i] { return false }
            i += 1
        }
        return true
    }
}
