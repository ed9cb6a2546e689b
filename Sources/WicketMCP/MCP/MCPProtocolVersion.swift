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

    /// The revision named by exactly `text`'s bytes: what `init(rawValue:)` answers for a header (the
    /// names are ASCII digits and hyphens, which no other spelling is canonically equivalent to),
    /// without its generic string-switch search. The revisions clients send most are tried first.
    init?(exactly text: String) {
        if ExactText.equal(text, literal: "2025-11-25") {
            self = .v2025_11_25
        } else if ExactText.equal(text, literal: "2025-06-18") {
            self = .v2025_06_18
        } else if ExactText.equal(text, literal: "2026-07-28") {
            self = .v2026_07_28
        } else if ExactText.equal(text, literal: "2025-03-26") {
            self = .v2025_03_26
        } else {
            return nil
        }
    }
}
