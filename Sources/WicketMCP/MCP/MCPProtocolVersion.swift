import WicketJSON

/// The MCP protocol revisions whose Streamable HTTP transport Wicket understands.
// swift-format-ignore: AlwaysUseLowerCamelCase
// Each case is named after its revision's date, as the specification names them.
public enum MCPProtocolVersion: String, Sendable, CaseIterable, Comparable {
    case v2025_03_26 = "2025-03-26"
    case v2025_06_18 = "2025-06-18"
    case v2025_11_25 = "2025-11-25"
    case v2026_07_28 = "2026-07-28"

    /// The revision to assume when `MCP-Protocol-Version` is absent, as the transport spec says
    /// (2025-06-18 and later): 2025-03-26.
    public static let assumedWhenAbsent: MCPProtocolVersion = .v2025_03_26

    /// JSON-RPC batches exist only in 2025-03-26 (removed in 2025-06-18).
    public var allowsBatches: Bool { self == .v2025_03_26 }

    /// 2026-07-28 has no protocol sessions, no GET stream and no DELETE; every POST stands alone
    /// and mirrors its method and name in `Mcp-Method` / `Mcp-Name`.
    public var isStateless: Bool { self == .v2026_07_28 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Every revision, made once (the synthesized `allCases` builds a new array on each call).
    private static let known = allCases

    /// The revision named by exactly `text`'s bytes: what `init(rawValue:)` answers for a header (the
    /// names are ASCII digits and hyphens, which no other spelling is canonically equivalent to),
    /// without its generic string-switch search.
    init?(exactly text: String) {
        for version in Self.known where ExactText.equal(version.rawValue, text) {
            self = version
            return
        }
        return nil
    }
}
