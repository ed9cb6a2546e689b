/// One token of the Cedar schema syntax.
struct SchemaToken: Sendable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case string(String)
        case punctuation(String)
        case end
    }
    var kind: Kind
    var position: SchemaPosition
}

/// Splits Cedar schema text into tokens; comments and whitespace are dropped.
struct CedarSchemaLexer {
    let filename: String

    func tokenize(_ text: String) throws(SchemaError) -> [SchemaToken] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [SchemaToken] = []
        var index = 0
        var line = 1
        var lineStart = 0
        func position(_ at: Int) -> SchemaPosition { SchemaPosition(line: line, column: at - lineStart + 1) }
        while index < scalars.count {
            let c = scalars[index]
            if c == "\n" {
                index += 1
                line += 1
                lineStart = index
                continue
            }
            if c == " " || c == "\t" || c == "\r" {
                index += 1
                continue
            }
            if c == "/", index + 1 < scalars.count, scalars[index + 1] == "/" {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
                continue
            }
            let start = position(index)
            if Self.isIdentifierStart(c) {
                var name = String.UnicodeScalarView()
                while index < scalars.count, Self.isIdentifierContinue(scalars[index]) {
                    name.append(scalars[index])
                    index += 1
                }
                tokens.append(SchemaToken(kind: .identifier(String(name)), position: start))
                continue
            }
            if c == "\"" {
                index += 1
                var raw = String.UnicodeScalarView()
                var closed = false
                while index < scalars.count {
                    let s = scalars[index]
                    if s == "\\" {
                        raw.append(s)
                        index += 1
                        if index < scalars.count {
                            raw.append(scalars[index])
                            index += 1
                        }
                        continue
                    }
                    if s == "\"" {
                        closed = true
                        index += 1
                        break
                    }
                    if s == "\n" {
                        line += 1
                        lineStart = index + 1
                    }
                    raw.append(s)
                    index += 1
                }
                guard closed else {
                    throw SchemaError(.syntax, "unterminated string literal", file: filename, line: start.line, column: start.column)
                }
                guard let value = CedarStringEscapes.unescape(String(raw)) else {
                    throw SchemaError(
                        .syntax, "invalid escape sequence in string literal", file: filename, line: start.line, column: start.column)
                }
                tokens.append(SchemaToken(kind: .string(value), position: start))
                continue
            }
            if c == ":", index + 1 < scalars.count, scalars[index + 1] == ":" {
                tokens.append(SchemaToken(kind: .punctuation("::"), position: start))
                index += 2
                continue
            }
            if "{}[]()<>,;:?=@".unicodeScalars.contains(c) {
                tokens.append(SchemaToken(kind: .punctuation(String(Character(c))), position: start))
                index += 1
                continue
            }
            throw SchemaError(.syntax, "unexpected character `\(Character(c))`", file: filename, line: start.line, column: start.column)
        }
        tokens.append(SchemaToken(kind: .end, position: position(index)))
        return tokens
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
    }

    static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || ("0"..."9").contains(c)
    }
}

/// Cedar's string escapes (`\n`, `\r`, `\t`, `\\`, `\0`, `\'`, `\"`, `\u{...}`).
enum CedarStringEscapes {
    static func unescape(_ raw: String) -> String? {
        var out = String.UnicodeScalarView()
        var it = Array(raw.unicodeScalars)[...]
        while let c = it.popFirst() {
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard let e = it.popFirst() else { return nil }
            switch e {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "\\": out.append("\\")
            case "0": out.append("\0")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "u":
                guard it.popFirst() == "{" else { return nil }
                var hex = ""
                while let h = it.first, h != "}" {
                    hex.unicodeScalars.append(h)
                    it.removeFirst()
                }
                guard it.popFirst() == "}", (1...6).contains(hex.count),
                    let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code)
                else { return nil }
                out.append(scalar)
            default:
                return nil
            }
        }
        return String(out)
    }
}
