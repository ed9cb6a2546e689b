import WicketStore

/// What the pipeline needs of an audit store: commit a record before the answer leaves, or throw.
public protocol AuditSink: Sendable {
    /// Commits every record of one request in one transaction, or throws.
    @discardableResult
    func append(contentsOf records: [AuditRecord]) throws -> [Int64]

    /// Commits the same way without waiting for it: `completion` runs once the transaction has
    /// committed (or failed), on the committing thread, never before the commit returned. The server
    /// sends the answer from it, so an answer never leaves ahead of its record.
    func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion)
}

extension AuditSink {
    /// For a sink without a group commit: commits, then calls `completion` inline.
    public func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
        do {
            completion(.success(try append(contentsOf: records)))
        } catch let error as StoreError {
            completion(.failure(error))
        } catch {
            completion(.failure(StoreError(.sqlite, "the audit sink failed: \(error)")))
        }
    }
}

extension AuditStore: AuditSink {}
