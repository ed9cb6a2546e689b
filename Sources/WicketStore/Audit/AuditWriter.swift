import Foundation

/// Group commit: one writer thread owns the write connection and commits, in one transaction, every
/// record pending when it wakes. Each `append` blocks its caller until the transaction holding its
/// record has committed (or failed: then every caller of that batch gets the error).
///
/// While the writer is busy with one batch, new records pile up and become the next batch, so under
/// load a single fsync serves many requests.
final class AuditWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `closing`, `finished` and every `Pending.result` are only
    // touched with `condition` locked; `connection` is used by the writer thread alone.

    final class Pending {
        let values: [SQLiteValue?]
        var result: Result<Int64, StoreError>?
        init(_ values: [SQLiteValue?]) { self.values = values }
    }

    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var closing = false
    private var finished = false
    private var transactions = 0
    private let connection: SQLiteConnection
    private let insertSQL: String

    init(connection: SQLiteConnection, insertSQL: String) {
        self.connection = connection
        self.insertSQL = insertSQL
        let thread = Thread { [self] in run() }
        thread.name = "wicket-audit-writer"
        thread.start()
    }

    /// Enqueues one row and waits until it is committed; returns its rowid.
    func append(_ values: [SQLiteValue?]) throws(StoreError) -> Int64 {
        let item = Pending(values)
        condition.lock()
        guard !closing else {
            condition.unlock()
            throw StoreError(.closed, "the audit store has been closed")
        }
        pending.append(item)
        condition.broadcast()
        while item.result == nil { condition.wait() }
        let result = item.result
        condition.unlock()
        switch result {
        case .success(let id): return id
        case .failure(let error): throw error
        case nil: throw StoreError(.closed, "the audit store has been closed")
        }
    }

    private func run() {
        condition.lock()
        while true {
            while pending.isEmpty && !closing { condition.wait() }
            if pending.isEmpty {  // closing and drained
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            condition.unlock()

            let outcome = write(batch)

            condition.lock()
            transactions += 1
            switch outcome {
            case .success(let ids):
                for (item, id) in zip(batch, ids) { item.result = .success(id) }
            case .failure(let error):
                for item in batch { item.result = .failure(error) }
            }
            condition.broadcast()
        }
    }

    private func write(_ batch: [Pending]) -> Result<[Int64], StoreError> {
        do throws(StoreError) {
            let ids = try connection.transaction { () throws(StoreError) -> [Int64] in
                let insert = try connection.statement(insertSQL)
                var ids: [Int64] = []
                ids.reserveCapacity(batch.count)
                for item in batch {
                    insert.reset()
                    try insert.bind(item.values)
                    try insert.run()
                    ids.append(connection.lastInsertRowID)
                }
                return ids
            }
            return .success(ids)
        } catch {
            return .failure(error)
        }
    }

    /// How many transactions the writer has attempted (for tests and the benchmark).
    var transactionCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return transactions
    }

    /// Commits what is pending, stops the writer thread and waits for it; later appends throw.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
