/// A token of Cedar policy text.
struct Token: Sendable {
    enum Kind: Equatable, Sendable {
        case ident, int, string, eof
        case lparen, rparen, lbracket, rbracket, lbrace, rbrace
        case comma, semicolon, colon, doubleColon, dot, at, question
        case eq, neq, lt, le, gt, ge, and, or, plus, minus, star, bang
    }
    let kind: Kind
    /// Identifier text, digits, or the raw (still escaped) contents of a string literal.
    let text: String
    let offset: Int
}

/// Splits policy text into tokens; comments and whitespace are skipped.
struct Lexer {
    let bytes: [UInt8]
    var pos = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Returns the next token, or a message and offset on a lexical error.
    mutating func next() -> Result<Token, LexError> {
        skipTrivia()
        guard pos < bytes.count else { return .success(Token(kind: .eof, text: "", offset: pos)) }
        let start = pos
        let c = bytes[pos]
        func tok(_ k: Token.Kind, _ n: Int) -> Result<Token, LexError> {
            pos += n
            return .success(Token(kind: k, text: "", offset: start))
        }
        let n1: UInt8 = pos + 1 < bytes.count ? bytes[pos + 1] : 0
        switch c {
        case UInt8(ascii: "("): return tok(.lparen, 1)
        case UInt8(ascii: ")"): return tok(.rparen, 1)
        case UInt8(ascii: "["): return tok(.lbracket, 1)
        case UInt8(ascii: "]"): return tok(.rbracket, 1)
        case UInt8(ascii: "{"): return tok(.lbrace, 1)
        case UInt8(ascii: "}"): return tok(.rbrace, 1)
        case UInt8(ascii: ","): return tok(.comma, 1)
        case UInt8(ascii: ";"): return tok(.semicolon, 1)
        case UInt8(ascii: "."): return tok(.dot, 1)
        case UInt8(ascii: "@"): return tok(.at, 1)
        case UInt8(ascii: "?"): return tok(.question, 1)
        case UInt8(ascii: "+"): return tok(.plus, 1)
        case UInt8(ascii: "-"): return tok(.minus, 1)
        case UInt8(ascii: "*"): return tok(.star, 1)
        case UInt8(ascii: ":"): return n1 == UInt8(ascii: ":") ? tok(.doubleColon, 2) : tok(.colon, 1)
        case UInt8(ascii: "="):
            if n1 == UInt8(ascii: "=") { return tok(.eq, 2) }
            return .failure(LexError(message: "unexpected `=`; use `==` for equality", offset: start))
        case UInt8(ascii: "!"): return n1 == UInt8(ascii: "=") ? tok(.neq, 2) : tok(.bang, 1)
        case UInt8(ascii: "<"): return n1 == UInt8(ascii: "=") ? tok(.le, 2) : tok(.lt, 1)
        case UInt8(ascii: ">"): return n1 == UInt8(ascii: "=") ? tok(.ge, 2) : tok(.gt, 1)
        case UInt8(ascii: "&"):
            if n1 == UInt8(ascii: "&") { return tok(.and, 2) }
            return .failure(LexError(message: "unexpected `&`; use `&&`", offset: start))
        case UInt8(ascii: "|"):
            if n1 == UInt8(ascii: "|") { return tok(.or, 2) }
            return .failure(LexError(message: "unexpected `|`; use `||`", offset: start))
        case UInt8(ascii: "\""):
            pos += 1
            let s = pos
            while pos < bytes.count && bytes[pos] != UInt8(ascii: "\"") {
                if bytes[pos] == UInt8(ascii: "\\") { pos += 1 }
                pos += 1
            }
            guard pos < bytes.count else {
                return .failure(LexError(message: "unterminated string literal", offset: start))
            }
            let raw = String(decoding: bytes[s..<pos], as: UTF8.self)
            pos += 1
            return .success(Token(kind: .string, text: raw, offset: start))
        default:
            if c >= 48 && c <= 57 {
                while pos < bytes.count && bytes[pos] >= 48 && bytes[pos] <= 57 { pos += 1 }
                return .success(Token(kind: .int, text: String(decoding: bytes[start..<pos], as: UTF8.self), offset: start))
            }
            if c == UInt8(ascii: "_") || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) {
                while pos < bytes.count {
                    let b = bytes[pos]
                    if b == UInt8(ascii: "_") || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) {
                        pos += 1
                    } else {
                        break
                    }
                }
                return .success(Token(kind: .ident, text: String(decoding: bytes[start..<pos], as: UTF8.self), offset: start))
            }
            return .failure(LexError(message: "unexpected character", offset: start))
        }
    }

    private mutating func skipTrivia() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d {
                pos += 1
            } else if c == UInt8(ascii: "/") && pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "/") {
                while pos < bytes.count && bytes[pos] != 0x0a { pos += 1 }
            } else {
                return
            }
        }
    }
}

struct LexError: Error {
    let message: String
    let offset: Int
}

/// Cedar string-literal escapes, as the Rust engine reads them.
enum Unescape {
    /// Decodes `\n \r \t \\ \0 \' \"`, `\x7F` (two hex digits, at most 0x7F) and `\u{…}` (one to
    /// six hex digits, `_` allowed after the first). In a pattern `\*` is a literal star, and any
    /// other `*`, even one written as an escape, is a wildcard. A bare carriage return is refused.
    /// Returns `nil` on an invalid escape.
    static func decode(_ raw: String, pattern: Bool) -> [Pattern.Element]? {
        var out: [Pattern.Element] = []
        var it = raw.unicodeScalars.makeIterator()
        func emit(_ c: Unicode.Scalar) {
            out.append(pattern && c == "*" ? .wildcard : .char(c))
        }
        while let c = it.next() {
            if c == "\r" { return nil }
            if c != "\\" {
                emit(c)
                continue
            }
            guard let e = it.next() else { return nil }
            switch e {
            case "n": out.append(.char("\n"))
            case "r": out.append(.char("\r"))
            case "t": out.append(.char("\t"))
            case "\\": out.append(.char("\\"))
            case "0": out.append(.char("\0"))
            case "'": out.append(.char("'"))
            case "\"": out.append(.char("\""))
            case "*":
                if !pattern { return nil }
                out.append(.char("*"))
            case "x":
                guard let h1 = it.next(), h1.isASCII, let d1 = IPAddr.hexValue(UInt8(h1.value)),
                    let h2 = it.next(), h2.isASCII, let d2 = IPAddr.hexValue(UInt8(h2.value)), d1 < 8,
                    let s = Unicode.Scalar(UInt32(d1) << 4 | UInt32(d2))
                else { return nil }
                emit(s)
            case "u":
                guard it.next() == "{" else { return nil }
                var v: UInt32 = 0
                var digits = 0
                var closed = false
                while let h = it.next() {
                    if h == "}" {
                        closed = true
                        break
                    }
                    if h == "_" && digits > 0 { continue }
                    guard h.isASCII, let d = IPAddr.hexValue(UInt8(h.value)) else { return nil }
                    v = v << 4 | UInt32(d)
                    digits += 1
                    if digits > 6 { return nil }
                }
                guard closed, digits > 0, let s = Unicode.Scalar(v) else { return nil }
                emit(s)
            default:
                return nil
            }
        }
        return out
    }

    static func string(_ raw: String) -> String? {
        guard let els = decode(raw, pattern: false) else { return nil }
        var s = String.UnicodeScalarView()
        for e in els { if case .char(let c) = e { s.append(c) } }
        return String(s)
    }
}
