import WicketStore

/// What the pipeline needs of an audit store: commit a record before the answer leaves, or throw.
public protocol AuditSink: Sendable {
    /// Commits every record of one request in one transaction, or throws.
    @discardableResult
    func append(contentsOf records: [AuditRecord]) throws -> [Int64]
}

extension AuditStore: AuditSink {}
