import WicketJSON

/// The names a message acts on, checked byte by byte before any policy sees them.
///
/// Tool names follow MCP 2025-11-25 (server/tools, "Tool names"): 1 to 128 characters, each an ASCII
/// letter, digit, `_`, `-` or `.`, compared case-sensitively. Prompt names get the same grammar. A server
/// that really uses other names may widen it with extra ASCII punctuation (`extraCharacters`) — never
/// with non-ASCII, because letters that look or normalise alike are exactly where Wicket and the upstream
/// could read one name two ways.
///
/// Resource URIs must be RFC 3986 URIs: a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), `:`,
/// then only unreserved, reserved and percent-encoded characters (`%` and two hex digits). Non-ASCII
/// text must be percent-encoded; spaces, controls and invisible characters are refused. URI templates
/// (RFC 6570 `{…}`) are admitted only where MCP allows one (`completion/complete`'s `ref/resource`).
public struct MCPNameGrammar: Sendable, Equatable {
    /// Longest name admitted (the spec's 128).
    public static let maxNameLength = 128

    /// ASCII bytes admitted in names beyond the spec's set; empty by default.
    public let extraCharacters: Set<UInt8>

    public static let spec = MCPNameGrammar(extraCharacters: [])

    public init(extraCharacters: Set<UInt8>) {
        self.extraCharacters = extraCharacters
    }

    /// The widening as written in the configuration, or nil when it holds something other than
    /// visible ASCII punctuation or space (letters and digits are already admitted).
    public init?(extra text: String) {
        var bytes = Set<UInt8>()
        for byte in text.utf8 {
            guard byte >= 0x20, byte <= 0x7E, !Self.isSpecByte(byte), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else {
                return nil
            }
            bytes.insert(byte)
        }
        extraCharacters = bytes
    }

    /// The spec's characters: `A-Z a-z 0-9 _ - .`.
    static func isSpecByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            || b == 0x5F || b == 0x2D || b == 0x2E
    }

    /// Whether `name` is a tool or prompt name under this grammar.
    public func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.count <= Self.maxNameLength else { return false }
        // The bytes in place (a short name's on the stack): `allSatisfy` over the `UTF8View` walked it
        // one index at a time, at several times the cost of the test itself.
        return ExactText.withUTF8(name) { bytes in bytes.allSatisfy { Self.isSpecByte($0) || extraCharacters.contains($0) } }
    }

    /// Whether `uri` is an RFC 3986 URI (`allowTemplate`: also RFC 6570 `{expressions}`).
    public static func isValidURI(_ uri: String, allowTemplate: Bool = false) -> Bool {
        // The bytes in place when the string has them, without a copy to an array.
        ExactText.withUTF8(uri) { isValidURI(bytes: $0, allowTemplate: allowTemplate) }
    }

    private static func isValidURI(bytes: UnsafeBufferPointer<UInt8>, allowTemplate: Bool) -> Bool {
        guard bytes.count <= 8192, let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
        guard isAlpha(bytes[0]), bytes[1..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return false }
        var i = colon + 1
        var braces = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else { return false }
                i += 3
                continue
            }
            if allowTemplate && b == UInt8(ascii: "{") {
                braces += 1; guard braces == 1 else { return false }
            } else if allowTemplate && b == UInt8(ascii: "}") {
                braces -= 1; guard braces == 0 else { return false }
            } else if !isURIByte(b) {
                return false
            }
            i += 1
        }
        return braces == 0
    }

    private static func isAlpha(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) }

    /// unreserved / gen-delims / sub-delims of RFC 3986 §2 (percent handled by the caller).
    private static func isURIByte(_ b: UInt8) -> Bool {
        if isAlpha(b) || isDigit(b) { return true }
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
            UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "@"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
