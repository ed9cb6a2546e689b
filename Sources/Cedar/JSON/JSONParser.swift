/// A JSON parse failure with a byte offset.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A strict RFC 8259 JSON parser with bounded nesting and duplicate-key rejection.
public struct JSONParser {
    /// Nesting deeper than this is rejected rather than recursing further.
    public static let maxDepth = 512

    private let bytes: [UInt8]
    private var pos = 0
    /// When set, a repeated object key replaces the earlier one (serde_json's behaviour, which the
    /// official Cedar CLI inherits) instead of being an error.
    private let keepLastDuplicate: Bool

    private init(_ bytes: [UInt8], keepLastDuplicate: Bool) {
        self.bytes = bytes
        self.keepLastDuplicate = keepLastDuplicate
    }

    /// Parses a whole document. Duplicate keys are refused unless `keepingLastDuplicate` is set, in
    /// which case the last occurrence wins (only the `authorize` command line wants that).
    public static func parse(_ text: String, keepingLastDuplicate: Bool = false) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), keepingLastDuplicate: keepingLastDuplicate)
    }

    public static func parse(_ bytes: [UInt8], keepingLastDuplicate: Bool = false) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(bytes, keepLastDuplicate: keepingLastDuplicate)
        p.skipWS()
        let v = try p.value(depth: 0)
        p.skipWS()
        guard p.pos == p.bytes.count else { throw p.fail("unexpected trailing characters") }
        return v
    }

    private func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: pos) }

    private mutating func skipWS() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0a, 0x0d: pos += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw fail("nesting too deep") }
        guard pos < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var pairs: [(key: String, value: JSONValue)] = []
            var seen: Set<ExactString> = []
            skipWS()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .object(pairs)
            }
            while true {
                skipWS()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let keyStart = pos
                let k = try string()
                var repeated = false
                if !seen.insert(ExactString(k)).inserted {
                    guard keepLastDuplicate else {
                        pos = keyStart
                        throw fail("duplicate key `\(k)`")
                    }
                    repeated = true
                }
                skipWS()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected `:`") }
                pos += 1
                skipWS()
                let v = try value(depth: depth + 1)
                if repeated { pairs.removeAll { CodePoints.equal($0.key, k) } }
                pairs.append((k, v))
                skipWS()
                guard pos < bytes.count else { throw fail("unexpected end of input") }
                if bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                if bytes[pos] == UInt8(ascii: "}") {
                    pos += 1
                    return .object(pairs)
                }
                throw fail("expected `,` or `}`")
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSONValue] = []
            skipWS()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            while true {
                skipWS()
                items.append(try value(depth: depth + 1))
                skipWS()
                guard pos < bytes.count else { throw fail("unexpected end of input") }
                if bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                if bytes[pos] == UInt8(ascii: "]") {
                    pos += 1
                    return .array(items)
                }
                throw fail("expected `,` or `]`")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return try number()
        }
    }

    private mutating func literal(_ word: String) throws(JSONParseError) {
        let w = Array(word.utf8)
        let n = w.count
        guard pos + n <= bytes.count else { throw fail("invalid literal") }
        for i in 0..<n where bytes[pos + i] != w[i] { throw fail("invalid literal") }
        pos += n
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = pos
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        let intStart = pos
        while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 { pos += 1 }
        let intDigits = pos - intStart
        guard intDigits > 0 else { throw fail("invalid value") }
        if intDigits > 1 && bytes[intStart] == 48 { throw fail("leading zeros in a number") }
        var isInteger = true
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            let f = pos
            while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 { pos += 1 }
            guard pos > f else { throw fail("invalid number") }
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            isInteger = false
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            let e = pos
            while pos < bytes.count, bytes[pos] >= 48, bytes[pos] <= 57 { pos += 1 }
            guard pos > e else { throw fail("invalid number") }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        // `-0` is a float to serde_json, so not a Cedar integer.
        if isInteger, text != "-0", let v = Int64(text) { return .integer(v) }
        return .number(text)
    }

    private mutating func string() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                break
            }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { throw fail("unterminated string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "/"): out.append(0x2f)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800 && cp < 0xDC00 {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                    else { throw fail("unpaired surrogate") }
                    pos += 2
                    let lo = try hex4()
                    guard lo >= 0xDC00 && lo < 0xE000 else { throw fail("unpaired surrogate") }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    throw fail("unpaired surrogate")
                }
                guard let scalar = Unicode.Scalar(cp) else { throw fail("invalid escape") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw fail("invalid escape")
            }
        }
        // Invalid UTF-8 is rejected rather than repaired.
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8") }
        return s
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("invalid escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = IPAddr.hexValue(bytes[pos]) else { throw fail("invalid escape") }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }
}
