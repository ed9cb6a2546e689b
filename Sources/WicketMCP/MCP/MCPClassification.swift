/// What an HTTP request to the MCP endpoint is, once it passed every structural check.
public struct MCPClassification: Sendable {
    public enum Kind: Sendable {
        /// A POST: one message, or a batch (protocol 2025-03-26 only) of one or more.
        case messages([MCPMessage], isBatch: Bool)
        /// A GET that opens the server-to-client SSE stream (protocols up to 2025-11-25).
        case openStream
        /// A DELETE that ends the session named by `Mcp-Session-Id` (protocols up to 2025-11-25).
        case endSession
    }

    /// The revision from `MCP-Protocol-Version`, or 2025-03-26 when the header is absent.
    public let protocolVersion: MCPProtocolVersion
    /// Whether `MCP-Protocol-Version` was sent (false means the version was assumed).
    public let protocolVersionHeaderPresent: Bool
    /// `Mcp-Session-Id`; always nil on the stateless 2026-07-28, which has no sessions.
    public let sessionID: String?
    public let kind: Kind

    /// The messages of a POST; empty for GET and DELETE.
    public var messages: [MCPMessage] {
        if case .messages(let m, _) = kind { return m }
        return []
    }
}
