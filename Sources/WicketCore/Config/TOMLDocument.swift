import Foundation

/// A TOML value as far as Wicket's configuration needs: strings, integers, booleans, arrays and tables.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([TOMLValue])
    case table([String: TOMLValue])
}

/// A parse error with the line it happened on.
public struct TOMLError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// Parses the TOML subset a configuration file needs: comments, `key = value` with bare or quoted keys,
/// basic and literal strings, integers (with `_` and `0o`/`0x`), booleans, arrays (also multi-line),
/// inline tables, `[table]`, `[a.b]` and `[[array.of.tables]]`. Dates, floats and multi-line strings are
/// refused with a clear error rather than half-understood.
public struct TOMLParser {
    private var bytes: [UInt8]
    private var index = 0
    private var line = 1
    private static let maxDepth = 32

    public static func parse(_ text: String) throws(TOMLError) -> [String: TOMLValue] {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func document() throws(TOMLError) -> [String: TOMLValue] {
        var root: [String: TOMLValue] = [:]
        var current: [String] = []  // path of the table being filled
        var definedTables: Set<String> = []
        while true {
            skipBlankAndComments()
            guard let byte = peek() else { return root }
            if byte == UInt8(ascii: "[") {
                advance()
                let isArray = peek() == UInt8(ascii: "[")
                if isArray { advance() }
                skipSpaces()
                let path = try keyPath()
                skipSpaces()
                try expect("]")
                if isArray { try expect("]") }
                try endOfLine()
                if isArray {
                    try Self.appendTable(at: path, in: &root, line: line)
                } else {
                    let joined = path.joined(separator: "\u{0}")
                    guard definedTables.insert(joined).inserted else {
                        throw TOMLError(line: line, message: "table `\(path.joined(separator: "."))` is defined twice")
                    }
                    try Self.ensureTable(at: path, in: &root, line: line)
                }
                current = path
            } else {
                let path = try keyPath()
                skipSpaces()
                try expect("=")
                skipSpaces()
                let value = try self.value(depth: 0)
                try endOfLine()
                try Self.set(value, at: current + path, in: &root, line: line)
            }
        }
    }

    // MARK: Values

    private mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth < Self.maxDepth else { throw fail("values are nested too deeply") }
        guard let byte = peek() else { throw fail("a value is missing") }
        switch byte {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"): return .string(try literalString())
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "{"): return try inlineTable(depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if consume("true") { return .bool(true) }
            if consume("false") { return .bool(false) }
            throw fail("expected `true` or `false`")
        default: return .integer(try integer())
        }
    }

    private mutating func array(depth: Int) throws(TOMLError) -> TOMLValue {
        try expect("[")
        var items: [TOMLValue] = []
        while true {
            skipBlankAndComments()
            if peek() == UInt8(ascii: "]") { advance(); return .array(items) }
            items.append(try value(depth: depth + 1))
            skipBlankAndComments()
            if peek() == UInt8(ascii: ",") { advance(); continue }
            skipBlankAndComments()
            try expect("]")
            return .array(items)
        }
    }

    private mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        try expect("{")
        var table: [String: TOMLValue] = [:]
        skipSpaces()
        if peek() == UInt8(ascii: "}") { advance(); return .table(table) }
        while true {
            skipSpaces()
            let path = try keyPath()
            skipSpaces()
            try expect("=")
            skipSpaces()
            let item = try value(depth: depth + 1)
            try Self.set(item, at: path, in: &table, line: line)
            skipSpaces()
            if peek() == UInt8(ascii: ",") { advance(); continue }
            try expect("}")
            return .table(table)
        }
    }

    private mutating func integer() throws(TOMLError) -> Int {
        var text = ""
        while let byte = peek(),
            byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "_")
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || byte == UInt8(ascii: "x") || byte == UInt8(ascii: "o")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")  // so floats and times fail as a whole
        {
            text.append(Character(UnicodeScalar(byte)))
            advance()
        }
        let digits = text.replacingOccurrences(of: "_", with: "")
        let parsed: Int?
        if digits.hasPrefix("0x") {
            parsed = Int(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0o") {
            parsed = Int(digits.dropFirst(2), radix: 8)
        } else {
            parsed = Int(digits)
        }
        guard let number = parsed, !digits.isEmpty else {
            throw fail(
                text.isEmpty
                    ? "expected a value (string, integer, boolean, array or table)"
                    : "`\(text)` is not an integer (floats and dates are not used here)")
        }
        return number
    }

    private mutating func basicString() throws(TOMLError) -> String {
        try expect("\"")
        if peek() == UInt8(ascii: "\""), peek(offset: 1) == UInt8(ascii: "\"") {
            throw fail("multi-line strings are not supported here")
        }
        var out: [UInt8] = []
        while let byte = peek() {
            advance()
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { break }
                advance()
                switch escape {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let count = escape == UInt8(ascii: "u") ? 4 : 8
                    guard index + count <= bytes.count,
                        let hex = String(bytes: bytes[index..<index + count], encoding: .ascii),
                        let code = UInt32(hex, radix: 16), let scalar = UnicodeScalar(code)
                    else { throw fail("invalid unicode escape") }
                    index += count
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("unknown escape `\\\(Character(UnicodeScalar(escape)))`")
                }
            case 0x0A: throw fail("a string is not closed before the end of the line")
            default: out.append(byte)
            }
        }
        throw fail("a string is not closed")
    }

    private mutating func literalString() throws(TOMLError) -> String {
        try expect("'")
        var out: [UInt8] = []
        while let byte = peek() {
            advance()
            if byte == UInt8(ascii: "'") {
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
                return text
            }
            if byte == 0x0A { throw fail("a string is not closed before the end of the line") }
            out.append(byte)
        }
        throw fail("a string is not closed")
    }

    // MARK: Keys and tables

    private mutating func keyPath() throws(TOMLError) -> [String] {
        var parts = [try key()]
        while true {
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            advance()
            skipSpaces()
            parts.append(try key())
        }
    }

    private mutating func key() throws(TOMLError) -> String {
        if peek() == UInt8(ascii: "\"") { return try basicString() }
        if peek() == UInt8(ascii: "'") { return try literalString() }
        var out = ""
        while let byte = peek(), Self.isBareKey(byte) {
            out.append(Character(UnicodeScalar(byte)))
            advance()
        }
        guard !out.isEmpty else { throw fail("expected a key") }
        return out
    }

    private static func isBareKey(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func set(_ value: TOMLValue, at path: [String], in table: inout [String: TOMLValue], line: Int) throws(TOMLError) {
        guard let first = path.first else { return }
        if path.count == 1 {
            guard table[first] == nil else { throw TOMLError(line: line, message: "key `\(first)` is set twice") }
            table[first] = value
            return
        }
        var child: [String: TOMLValue]
        switch table[first] {
        case nil: child = [:]
        case .table(let existing): child = existing
        case .array(var items):
            // `[[x]]` then `[x.y]` or `key` lines: they address the last element of the array.
            guard case .table(var last)? = items.last else {
                throw TOMLError(line: line, message: "`\(first)` is not a table")
            }
            try set(value, at: Array(path.dropFirst()), in: &last, line: line)
            items[items.count - 1] = .table(last)
            table[first] = .array(items)
            return
        default: throw TOMLError(line: line, message: "`\(first)` is not a table")
        }
        try set(value, at: Array(path.dropFirst()), in: &child, line: line)
        table[first] = .table(child)
    }

    private static func ensureTable(at path: [String], in table: inout [String: TOMLValue], line: Int) throws(TOMLError) {
        guard let first = path.first else { return }
        switch table[first] {
        case nil:
            var child: [String: TOMLValue] = [:]
            try ensureTable(at: Array(path.dropFirst()), in: &child, line: line)
            table[first] = .table(child)
        case .table(var child):
            try ensureTable(at: Array(path.dropFirst()), in: &child, line: line)
            table[first] = .table(child)
        case .array(var items):
            guard case .table(var last)? = items.last else { throw TOMLError(line: line, message: "`\(first)` is not a table") }
            try ensureTable(at: Array(path.dropFirst()), in: &last, line: line)
            items[items.count - 1] = .table(last)
            table[first] = .array(items)
        default: throw TOMLError(line: line, message: "`\(first)` is not a table")
        }
    }

    private static func appendTable(at path: [String], in table: inout [String: TOMLValue], line: Int) throws(TOMLError) {
        guard let first = path.first else { return }
        if path.count == 1 {
            switch table[first] {
            case nil: table[first] = .array([.table([:])])
            case .array(var items):
                items.append(.table([:]))
                table[first] = .array(items)
            default: throw TOMLError(line: line, message: "`\(first)` is not an array of tables")
            }
            return
        }
        var child: [String: TOMLValue]
        switch table[first] {
        case nil: child = [:]
        case .table(let existing): child = existing
        case .array(var items):
            guard case .table(var last)? = items.last else { throw TOMLError(line: line, message: "`\(first)` is not a table") }
            try appendTable(at: Array(path.dropFirst()), in: &last, line: line)
            items[items.count - 1] = .table(last)
            table[first] = .array(items)
            return
        default: throw TOMLError(line: line, message: "`\(first)` is not a table")
        }
        try appendTable(at: Array(path.dropFirst()), in: &child, line: line)
        table[first] = .table(child)
    }

    // MARK: Scanning

    private func peek(offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private mutating func advance() {
        if index < bytes.count, bytes[index] == 0x0A { line += 1 }
        index += 1
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 { advance() }
    }

    private mutating func skipBlankAndComments() {
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                advance()
            } else if byte == UInt8(ascii: "#") {
                while let b = peek(), b != 0x0A { _ = b; advance() }
            } else {
                return
            }
        }
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") { while let b = peek(), b != 0x0A { _ = b; advance() } }
        if peek() == 0x0D { advance() }
        guard peek() == nil || peek() == 0x0A else { throw fail("unexpected text after a value") }
    }

    private mutating func expect(_ character: Character) throws(TOMLError) {
        guard let ascii = character.asciiValue, peek() == ascii else { throw fail("expected `\(character)`") }
        advance()
    }

    private mutating func consume(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else { return false }
        index += utf8.count
        return true
    }

    private func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }
}
