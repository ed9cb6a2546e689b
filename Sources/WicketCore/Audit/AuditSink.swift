import WicketStore

/// What the pipeline needs of an audit store: commit a record before the answer leaves, or throw.
public protocol AuditSink: Sendable {
    @discardableResult
    func append(_ record: AuditRecord) throws -> Int64
}

extension AuditStore: AuditSink {}
