/// The parsing state machine behind ``JSONParser``: recursive descent whose depth is bounded by
/// `maxDepth` (itself capped by `JSONParser.Limits.depthCeiling`). Every read is bounds-checked.
/// A repeated key is refused, or with `keepLastRepeatedKey` the earlier member is dropped and the
/// last one appended.
struct JSONReader {
    private let buffer: UnsafeRawBufferPointer
    private let count: Int
    private let maxDepth: Int
    private let keepLastRepeatedKey: Bool
    private var pos = 0
    /// Reused for strings that contain escapes.
    private var scratch: [UInt8] = []

    /// Objects with more members than this check duplicates with a set instead of a scan.
    private static let linearKeyCheckLimit = 12

    init(buffer: UnsafeRawBufferPointer, maxDepth: Int, keepLastRepeatedKey: Bool) {
        self.buffer = buffer
        self.count = buffer.count
        self.maxDepth = maxDepth
        self.keepLastRepeatedKey = keepLastRepeatedKey
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        guard count > 0 else { throw JSONParseError(.emptyInput, at: 0, "the input is empty") }
        if count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
            throw JSONParseError(.byteOrderMark, at: 0, "a byte order mark is not allowed")
        }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if pos < count {
            throw JSONParseError(.trailingData, at: pos, "unexpected data after the JSON value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < count else { throw unexpectedEnd() }
        switch buffer[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpectedByte("a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth {
            throw JSONParseError(.tooDeep, at: pos, "nesting is deeper than the limit of \(maxDepth)")
        }
        pos += 1  // {
        skipWhitespace()
        if pos < count, buffer[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(JSONObject(members: []))
        }
        var members: [JSONObject.Member] = []
        // Room for the usual 2–4 members in one allocation instead of growing 1 → 2 → 4 (json-bench:
        // 15–20% faster on request bodies); at most 4 members' worth of slack per object. (Not
        // `Array(unsafeUninitializedCapacity:)`: unspecialized, it looked up the array's generic
        // metadata on every object, +1,000 instructions a request; round 10.)
        members.reserveCapacity(4)
        // Keys compare byte for byte (Swift's `==` and `Set<String>` would merge canonically
        // equivalent keys, which are different keys to every other JSON reader).
        var keySet: Set<ExactKey>?
        while true {
            guard pos < count else { throw unexpectedEnd() }
            guard buffer[pos] == UInt8(ascii: "\"") else { throw unexpectedByte("an object key") }
            let keyOffset = pos
            let key = try parseString()
            var repeated = false
            if keySet != nil {
                if keySet?.insert(ExactKey(text: key)).inserted == false { repeated = true }
            } else {
                // By index: only the key is read, the member's value is not copied (retained).
                for index in members.indices where ExactText.equal(members[index].key, key) {
                    repeated = true
                    break
                }
                if members.count >= Self.linearKeyCheckLimit {
                    var set = Set(members.map { ExactKey(text: $0.key) })
                    set.insert(ExactKey(text: key))
                    keySet = set
                }
            }
            if repeated {
                guard keepLastRepeatedKey else { throw duplicateKey(at: keyOffset) }
                members.removeAll { ExactText.equal($0.key, key) }
            }
            skipWhitespace()
            guard pos < count else { throw unexpectedEnd() }
            guard buffer[pos] == UInt8(ascii: ":") else { throw unexpectedByte("`:`") }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            guard pos < count else { throw unexpectedEnd() }
            switch buffer[pos] {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                pos += 1
                return .object(JSONObject(members: members))
            default:
                throw unexpectedByte("`,` or `}`")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth {
            throw JSONParseError(.tooDeep, at: pos, "nesting is deeper than the limit of \(maxDepth)")
        }
        pos += 1  // [
        skipWhitespace()
        if pos < count, buffer[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array([])
        }
        var elements: [JSONValue] = []
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < count else { throw unexpectedEnd() }
            switch buffer[pos] {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                pos += 1
                return .array(elements)
            default:
                throw unexpectedByte("`,` or `]`")
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = pos
        let length = literal.utf8CodeUnitCount
        var matched = true
        literal.withUTF8Buffer { expected in
            for i in 0..<length {
                guard start + i < count, buffer[start + i] == expected[i] else {
                    matched = false
                    return
                }
            }
        }
        guard matched else { throw unexpectedByte("a value") }
        pos += length
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        var isInteger = true
        if buffer[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < count, isDigit(buffer[pos]) else {
            throw JSONParseError(.invalidNumber, at: start, "a number needs a digit after `-`")
        }
        if buffer[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < count, isDigit(buffer[pos]) {
                throw JSONParseError(.invalidNumber, at: start, "a number must not have a leading zero")
            }
        } else {
            skipDigits()
        }
        if pos < count, buffer[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < count, isDigit(buffer[pos]) else {
                throw JSONParseError(.invalidNumber, at: start, "a number needs a digit after `.`")
            }
            skipDigits()
        }
        if pos < count, buffer[pos] == UInt8(ascii: "e") || buffer[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if pos < count, buffer[pos] == UInt8(ascii: "+") || buffer[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < count, isDigit(buffer[pos]) else {
                throw JSONParseError(.invalidNumber, at: start, "a number needs a digit in its exponent")
            }
            skipDigits()
        }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<pos])
        let text = bytes.baseAddress.flatMap { CommonStrings.string(at: $0, count: bytes.count) } ?? String(decoding: bytes, as: UTF8.self)
        return JSONNumber(text: text, isInteger: isInteger)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while pos < count, isDigit(buffer[pos]) { pos += 1 }
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote. Plain ASCII runs without escapes take the
    /// fast path (one validated slice); escapes switch to the scratch buffer.
    private mutating func parseString() throws(JSONParseError) -> String {
        let quote = pos
        pos += 1
        let start = pos
        // Whole words of plain bytes first, and again after each multi-byte sequence; the bytes up to
        // the next special one (at most a word's worth) go through the loop one at a time.
        skipPlainWords()
        while pos < count {
            let byte = buffer[pos]
            if byte == UInt8(ascii: "\"") {
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<pos])
                let string =
                    bytes.baseAddress.flatMap { CommonStrings.string(at: $0, count: bytes.count) }
                    ?? String(decoding: bytes, as: UTF8.self)
                pos += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacter() }
            if byte < 0x80 {
                pos += 1
            } else {
                try skipUTF8Sequence()
                skipPlainWords()
            }
        }
        guard pos < count else {
            throw JSONParseError(.unexpectedEnd, at: quote, "the string is not terminated")
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<pos]))
        while pos < count {
            let byte = buffer[pos]
            if byte == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                try parseEscape()
            } else if byte < 0x20 {
                throw controlCharacter()
            } else if byte < 0x80 {
                scratch.append(byte)
                pos += 1
            } else {
                let sequenceStart = pos
                try skipUTF8Sequence()
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[sequenceStart..<pos]))
            }
        }
        throw JSONParseError(.unexpectedEnd, at: quote, "the string is not terminated")
    }

    /// Moves past whole 8-byte words of plain string bytes: printable ASCII other than `"` and `\`,
    /// the bytes the loop byte by byte would step over one at a time. A word holding any other byte
    /// (a quote, a backslash, a control character, a byte of a multi-byte sequence) is left to that
    /// loop, so what is accepted, refused and returned is unchanged; only the count of steps falls.
    /// In the word that holds a non-plain byte, `pos` moves to that byte (the first one), so the byte
    /// loop starts at the closing quote of a short key instead of stepping to it.
    @inline(__always)
    private mutating func skipPlainWords() {
        while count - pos >= 8 {
            let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
            let nonPlain = Self.nonPlainBytes(word)
            if nonPlain != 0 {
                pos += Self.firstFlaggedByte(nonPlain)
                return
            }
            pos += 8
        }
    }

    /// Whether any byte of `word` is `"`, `\`, below 0x20 or above 0x7F.
    @inline(__always)
    static func hasNonPlainByte(_ word: UInt64) -> Bool { nonPlainBytes(word) != 0 }

    /// The high bit of each byte of `word` (little-endian: byte 0 is the lowest) that may be `"`,
    /// `\`, below 0x20 or above 0x7F. Each test is the "some byte is zero / below n" word test: a
    /// borrow can only spread upwards from a byte that really matches, so the word has a flag exactly
    /// when it has such a byte, and its lowest flag is the first such byte (a flag above it may be
    /// a borrow's, which is why only the lowest is used).
    @inline(__always)
    static func nonPlainBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        let isControl = (word &- ones &* 0x20) & ~word
        return ((isQuote | isBackslash | isControl) & highs) | (word & highs)
    }

    /// The position in its word of the byte whose flag is the lowest of `flags` (not zero).
    @inline(__always)
    static func firstFlaggedByte(_ flags: UInt64) -> Int { flags.trailingZeroBitCount >> 3 }

    private mutating func parseEscape() throws(JSONParseError) {
        let escapeStart = pos
        pos += 1  // backslash
        guard pos < count else { throw unexpectedEnd() }
        let byte = buffer[pos]
        pos += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: escapeStart)
            var scalarValue = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) {
                throw JSONParseError(.loneSurrogate, at: escapeStart, "a low surrogate escape has no high surrogate before it")
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard pos + 1 < count, buffer[pos] == UInt8(ascii: "\\"), buffer[pos + 1] == UInt8(ascii: "u") else {
                    throw JSONParseError(.loneSurrogate, at: escapeStart, "a high surrogate escape is not followed by a low surrogate")
                }
                let lowStart = pos
                pos += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONParseError(.loneSurrogate, at: escapeStart, "a high surrogate escape is not followed by a low surrogate")
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalarValue)
        default:
            throw JSONParseError(.invalidEscape, at: escapeStart, "invalid escape sequence")
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard pos < count else { throw unexpectedEnd() }
            let byte = buffer[pos]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default:
                throw JSONParseError(.invalidEscape, at: escapeStart, "a `\\u` escape needs four hex digits")
            }
            value = value << 4 | UInt16(nibble)
            pos += 1
        }
        return value
    }

    private mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (Unicode Table 3-7: no overlongs, no
    /// surrogates, nothing above U+10FFFF) and moves past it.
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = buffer[pos]
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        let continuation: Int
        switch lead {
        case 0xC2...0xDF: continuation = 1
        case 0xE0: continuation = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: continuation = 2
        case 0xED: continuation = 2; high = 0x9F
        case 0xF0: continuation = 3; low = 0x90
        case 0xF1...0xF3: continuation = 3
        case 0xF4: continuation = 3; high = 0x8F
        default: throw invalidUTF8()
        }
        guard pos + continuation < count else { throw invalidUTF8() }
        let second = buffer[pos + 1]
        guard second >= low, second <= high else { throw invalidUTF8() }
        var i = 2
        while i <= continuation {
            let byte = buffer[pos + i]
            guard byte >= 0x80, byte <= 0xBF else { throw invalidUTF8() }
            i += 1
        }
        pos += continuation + 1
    }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        while pos < count {
            switch buffer[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private func unexpectedEnd() -> JSONParseError {
        JSONParseError(.unexpectedEnd, at: pos, "the input ends too early")
    }

    private func unexpectedByte(_ expected: String) -> JSONParseError {
        if pos < count, buffer[pos] >= 0x80 {
            return JSONParseError(.unexpectedByte, at: pos, "a non-ASCII byte is not allowed outside a string; expected \(expected)")
        }
        return JSONParseError(.unexpectedByte, at: pos, "unexpected character; expected \(expected)")
    }

    private func invalidUTF8() -> JSONParseError {
        JSONParseError(.invalidUTF8, at: pos, "the string is not valid UTF-8")
    }

    private func controlCharacter() -> JSONParseError {
        JSONParseError(.controlCharacter, at: pos, "a control character must be escaped in a string")
    }

    private func duplicateKey(at offset: Int) -> JSONParseError {
        JSONParseError(.duplicateKey, at: offset, "duplicate object key")
    }
}
