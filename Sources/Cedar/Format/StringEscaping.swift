/// Writes string literals in one canonical form: `\"`, `\\`, `\n`, `\r`, `\t`, `\0` escaped,
/// other control characters as `\u{…}`, everything else as itself (`'` is never escaped).
enum StringEscaping {
    /// The canonical literal (with quotes) for the still-escaped contents `raw`; `nil` when an escape is invalid.
    static func canonical(raw: String) -> String? {
        guard let els = Unescape.decode(raw, pattern: false) else { return nil }
        return quote(els, pattern: false)
    }

    /// The canonical `like` pattern literal for the still-escaped contents `raw`.
    static func canonicalPattern(raw: String) -> String? {
        guard let els = Unescape.decode(raw, pattern: true) else { return nil }
        return quote(els, pattern: true)
    }

    /// A literal for an already decoded string.
    static func quote(_ s: String) -> String {
        quote(s.unicodeScalars.map { .char($0) }, pattern: false)
    }

    private static func quote(_ els: [Pattern.Element], pattern: Bool) -> String {
        var out = "\""
        for e in els {
            switch e {
            case .wildcard:
                out += "*"
            case .char(let c):
                out += escape(c, pattern: pattern)
            }
        }
        return out + "\""
    }

    private static func escape(_ c: Unicode.Scalar, pattern: Bool) -> String {
        switch c {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\0": return "\\0"
        case "*" where pattern: return "\\*"
        default:
            let v = c.value
            if v < 0x20 || (v >= 0x7f && v < 0xa0) || v == 0x2028 || v == 0x2029 || v == 0xfeff
                || (v >= 0x200b && v <= 0x200f) || (v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069)
            {
                return "\\u{" + String(v, radix: 16) + "}"
            }
            return String(c)
        }
    }
}
