/// The parts of an HTTP request to the MCP endpoint that classification reads.
///
/// Header fields are `nil` when the header is absent; an empty string is a present, empty header
/// (and is refused where a value is required). `Accept` is carried for completeness but not
/// checked: answering 406 is the upstream server's business, not an authorization question.
public struct MCPHTTPRequest: Sendable {
    /// The HTTP method as sent (`POST`, `GET`, `DELETE`; anything else is refused with 405).
    public var method: String
    /// The request body, byte for byte.
    public var body: [UInt8]
    /// `Mcp-Session-Id`.
    public var sessionID: String?
    /// `MCP-Protocol-Version`.
    public var protocolVersion: String?
    /// `Mcp-Method` (protocol 2026-07-28).
    public var mcpMethod: String?
    /// `Mcp-Name` (protocol 2026-07-28); may be `=?UTF-8?B?…?=` encoded.
    public var mcpName: String?
    /// `Content-Type`.
    public var contentType: String?
    /// `Accept`.
    public var accept: String?

    public init(
        method: String,
        body: [UInt8] = [],
        sessionID: String? = nil,
        protocolVersion: String? = nil,
        mcpMethod: String? = nil,
        mcpName: String? = nil,
        contentType: String? = nil,
        accept: String? = nil
    ) {
        self.method = method
        self.body = body
        self.sessionID = sessionID
        self.protocolVersion = protocolVersion
        self.mcpMethod = mcpMethod
        self.mcpName = mcpName
        self.contentType = contentType
        self.accept = accept
    }
}
