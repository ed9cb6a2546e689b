import Cedar

/// Policy ids as the official CLI prints them: Rust's `str::escape_debug`.
///
/// Quotes, backslashes, `\t \r \n \0` get backslash escapes; characters Rust does not consider
/// printable (controls, format characters, separators other than space, private use, unassigned) and
/// a leading combining mark become `\u{…}`.
public enum DebugEscaping {
    public static func escape(_ s: String) -> String {
        var out = ""
        var first = true
        for u in s.unicodeScalars {
            defer { first = false }
            switch u {
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\0": out += "\\0"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "'": out += "\\'"
            default:
                if needsUnicodeEscape(u, first: first) {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    private static func needsUnicodeEscape(_ u: Unicode.Scalar, first: Bool) -> Bool {
        if u == " " { return false }
        if first && u.properties.isGraphemeExtend { return true }
        switch u.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .privateUse,
            .unassigned, .surrogate:
            return true
        default:
            return false
        }
    }
}
