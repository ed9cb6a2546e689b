import Foundation

/// Group commit without a writer thread: the caller that finds no commit under way becomes the
/// leader and commits, in one transaction, every record pending at that moment; callers that arrive
/// meanwhile wait and form the next batch, whose first caller leads it. Each `append` returns only
/// after the transaction holding its record has committed (or failed: then every caller of that batch
/// gets the error). The leader writes on its own thread, so a commit costs no hand-off to another
/// thread and back, and under load one fsync serves many requests.
final class AuditWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `writing`, `closing`, `transactions` and every `Pending`'s
    // `result`/`leads` are only touched with `lock` held; `connection` only by the current leader.
    final class Pending {
        /// One caller's rows: committed together, in the same transaction.
        let rows: [[SQLiteValue?]]
        var result: Result<[Int64], StoreError>?
        /// Set when this caller is woken to lead the next batch instead of to read its result.
        var leads = false
        /// Signalled once: when `result` is set, or when the caller is to lead.
        let wake = DispatchSemaphore(value: 0)
        init(_ rows: [[SQLiteValue?]]) { self.rows = rows }
    }

    private let lock = NSCondition()
    private var pending: [Pending] = []
    private var writing = false
    private var closing = false
    private var transactions = 0
    private let connection: SQLiteConnection?
    private let insertSQL: String
    /// Commits one batch (each caller's rows) in one transaction elsewhere (PostgreSQL); the
    /// protocol above is the same whichever engine holds the audit.
    typealias BatchCommit = ([[[SQLiteValue?]]]) -> Result<[[Int64]], StoreError>
    private let batchCommit: BatchCommit?

    init(connection: SQLiteConnection, insertSQL: String) {
        self.connection = connection
        self.insertSQL = insertSQL
        batchCommit = nil
    }

    init(commit: @escaping BatchCommit) {
        connection = nil
        insertSQL = ""
        batchCommit = commit
    }

    /// Adds rows and waits until they are committed (all in one transaction); returns their rowids.
    func append(_ rows: [[SQLiteValue?]]) throws(StoreError) -> [Int64] {
        let item = Pending(rows)
        lock.lock()
        guard !closing else {
            lock.unlock()
            throw StoreError(.closed, "the audit store has been closed")
        }
        pending.append(item)
        if writing {
            lock.unlock()
            item.wake.wait()
            lock.lock()
        }
        if item.result == nil {
            // No commit under way, or the previous leader handed this batch over: lead it.
            writing = true
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            lock.unlock()
            let outcome = write(batch)
            lock.lock()
            transactions += 1
            switch outcome {
            case .success(let ids):
                for (entry, entryIDs) in zip(batch, ids) { entry.result = .success(entryIDs) }
            case .failure(let error):
                for entry in batch { entry.result = .failure(error) }
            }
            for entry in batch where entry !== item { entry.wake.signal() }
            if let next = pending.first {
                next.leads = true
                next.wake.signal()
            } else {
                writing = false
                lock.broadcast()   // a closer may be waiting for the last commit
            }
        }
        let result = item.result
        lock.unlock()
        switch result {
        case .success(let ids): return ids
        case .failure(let error): throw error
        case nil: throw StoreError(.closed, "the audit store has been closed")
        }
    }

    private func write(_ batch: [Pending]) -> Result<[[Int64]], StoreError> {
        if let batchCommit { return batchCommit(batch.map(\.rows)) }
        guard let connection else { return .failure(StoreError(.closed, "the audit store has no connection")) }
        do throws(StoreError) {
            let ids = try connection.transaction { () throws(StoreError) -> [[Int64]] in
                let insert = try connection.statement(insertSQL)
                var ids: [[Int64]] = []
                ids.reserveCapacity(batch.count)
                for item in batch {
                    var itemIDs: [Int64] = []
                    for row in item.rows {
                        insert.reset()
                        try insert.bind(row)
                        try insert.run()
                        itemIDs.append(connection.lastInsertRowID)
                    }
                    ids.append(itemIDs)
                }
                return ids
            }
            return .success(ids)
        } catch {
            return .failure(error)
        }
    }

    /// How many transactions have been attempted (for tests and the benchmark).
    var transactionCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return transactions
    }

    /// Waits for the commit under way and refuses later appends.
    func close() {
        lock.lock()
        closing = true
        while writing { lock.wait() }
        lock.unlock()
    }
}
