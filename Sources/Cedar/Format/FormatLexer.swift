/// Splits policy text into tokens and attaches every `//` comment to a token: a comment on the
/// same line as the token before it trails that token, any other leads the next token (or the end).
///
/// It runs on text ``PolicyParser`` accepted, but never traps on any input.
struct FormatLexer {
    private let bytes: [UInt8]
    private var pos = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    static func tokenize(_ text: String) -> [FormatToken] {
        var lx = FormatLexer(text)
        return lx.run()
    }

    private struct RawComment {
        let text: String
        let start: Int
        let end: Int
    }

    private mutating func run() -> [FormatToken] {
        var tokens: [FormatToken] = []
        while true {
            let gapStart = pos
            let comments = skipTrivia()
            let tok = nextToken()
            attach(comments, gapStart: gapStart, to: tok, into: &tokens)
            if tok.kind == .eof { return tokens }
        }
    }

    private func newlines(_ from: Int, _ to: Int) -> Int {
        guard from < to else { return 0 }
        var n = 0
        for k in from..<min(to, bytes.count) where bytes[k] == 0x0a { n += 1 }
        return n
    }

    private func attach(_ comments: [RawComment], gapStart: Int, to tok: FormatToken, into tokens: inout [FormatToken]) {
        var tok = tok
        var prevEnd = gapStart
        for (k, c) in comments.enumerated() {
            if k == 0, !tokens.isEmpty, newlines(gapStart, c.start) == 0 {
                tokens[tokens.count - 1].trailing = FormatComment(text: c.text, blankBefore: false)
            } else {
                tok.leading.append(FormatComment(text: c.text, blankBefore: newlines(prevEnd, c.start) >= 2))
            }
            prevEnd = c.end
        }
        if !tok.leading.isEmpty { tok.blankAfterLeading = newlines(prevEnd, tok.start) >= 2 }
        tokens.append(tok)
    }

    private mutating func skipTrivia() -> [RawComment] {
        var out: [RawComment] = []
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d {
                pos += 1
            } else if c == UInt8(ascii: "/") && pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "/") {
                let start = pos
                while pos < bytes.count && bytes[pos] != 0x0a { pos += 1 }
                var text = String(decoding: bytes[start..<pos], as: UTF8.self)
                while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
                out.append(RawComment(text: text, start: start, end: pos))
            } else {
                break
            }
        }
        return out
    }

    private static func isIdentByte(_ b: UInt8, first: Bool) -> Bool {
        b == UInt8(ascii: "_") || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (!first && b >= 48 && b <= 57)
    }

    private mutating func nextToken() -> FormatToken {
        let start = pos
        func make(_ kind: FormatToken.Kind) -> FormatToken {
            FormatToken(kind: kind, text: String(decoding: bytes[start..<pos], as: UTF8.self), start: start, end: pos)
        }
        guard pos < bytes.count else { return make(.eof) }
        let c = bytes[pos]
        if c == UInt8(ascii: "\"") {
            pos += 1
            while pos < bytes.count && bytes[pos] != UInt8(ascii: "\"") {
                if bytes[pos] == UInt8(ascii: "\\") { pos += 1 }
                pos += 1
            }
            pos = min(pos + 1, bytes.count)
            return make(.string)
        }
        if c >= 48 && c <= 57 {
            while pos < bytes.count && bytes[pos] >= 48 && bytes[pos] <= 57 { pos += 1 }
            return make(.int)
        }
        if Self.isIdentByte(c, first: true) {
            while pos < bytes.count && Self.isIdentByte(bytes[pos], first: false) { pos += 1 }
            return make(.ident)
        }
        let n1: UInt8 = pos + 1 < bytes.count ? bytes[pos + 1] : 0
        let two: Bool
        switch c {
        case UInt8(ascii: ":"): two = n1 == UInt8(ascii: ":")
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"): two = n1 == UInt8(ascii: "=")
        case UInt8(ascii: "&"): two = n1 == UInt8(ascii: "&")
        case UInt8(ascii: "|"): two = n1 == UInt8(ascii: "|")
        default: two = false
        }
        pos += two ? 2 : 1
        // Keep a multi-byte UTF-8 character whole.
        while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { pos += 1 }
        return make(.punct)
    }
}
