/// Bounds applied while classifying a request.
public struct MCPLimits: Sendable, Equatable {
    /// Largest body accepted, in bytes; larger bodies are refused with 413. Default 1 MiB.
    public var maxBodyBytes: Int
    /// Deepest JSON nesting accepted (see `JSONParser.Limits.maxDepth`). Default 64.
    public var maxDepth: Int
    /// Most messages accepted in one batch (protocol 2025-03-26). Default 100.
    public var maxBatchCount: Int
    /// Longest `Mcp-Session-Id` accepted, in bytes. Default 1024.
    public var maxSessionIDBytes: Int

    public init(maxBodyBytes: Int = 1 << 20, maxDepth: Int = 64, maxBatchCount: Int = 100, maxSessionIDBytes: Int = 1024) {
        self.maxBodyBytes = maxBodyBytes
        self.maxDepth = maxDepth
        self.maxBatchCount = maxBatchCount
        self.maxSessionIDBytes = maxSessionIDBytes
    }
}
