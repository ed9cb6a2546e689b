import Foundation

/// Filters for `AuditStore.query`; results are newest first.
public struct AuditQuery: Sendable, Equatable {
    /// Records at or after this time.
    public var since: Date?
    /// Records strictly before this time.
    public var until: Date?
    public var decision: AuditRecord.Decision?
    public var member: String?
    public var agent: String?
    /// A tool name (records whose target is that tool).
    public var tool: String?
    /// At most this many records (clamped to 1…100,000; default 100).
    public var limit: Int

    public init(
        since: Date? = nil, until: Date? = nil, decision: AuditRecord.Decision? = nil, member: String? = nil,
        agent: String? = nil, tool: String? = nil, limit: Int = 100
    ) {
        self.since = since
        self.until = until
        self.decision = decision
        self.member = member
        self.agent = agent
        self.tool = tool
        self.limit = limit
    }
}
