import WicketStore

/// The core's verdict on one request: what was decided, the audit records committed for it (in batch
/// order), and the answer to give.
public struct Decision: Sendable {
    /// `allow` only when every message was allowed and the records are committed.
    public let allowed: Bool
    public let records: [AuditRecord]
    public let reply: Reply
}
