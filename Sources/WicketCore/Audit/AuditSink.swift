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

    /// Announces a decision whose records will come to this sink (the group commit may wait for it,
    /// briefly: AuditWriter+Gather.swift); true when the sink counts it, and then the decision ends it
    /// exactly once: with `append(contentsOf:announced: true, then:)`, or `withdraw()`.
    func announce() -> Bool
    /// Ends an announcement without records.
    func withdraw()
    /// `append(contentsOf:then:)`, ending this caller's announcement when `announced`.
    func append(contentsOf records: [AuditRecord], announced: Bool, then completion: @escaping AuditCompletion)
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

extension AuditSink {
    /// For a sink without gathering: nothing is counted.
    public func announce() -> Bool { false }
    public func withdraw() {}
    public func append(contentsOf records: [AuditRecord], announced: Bool, then completion: @escaping AuditCompletion) {
        append(contentsOf: records, then: completion)
    }
}

extension AuditStore: AuditSink {}
