import CoreMetrics
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
    enum Work {
        /// Audit rows, each with the alert names its record raises (one outbox row each).
        case records([[SQLiteValue?]], alerts: [[String]])
        /// Statements of the alert outbox's bookkeeping.
        case statements([(String, [SQLiteValue?])])
    }

    final class Pending {
        /// One caller's work: committed together, in the same transaction.
        let work: Work
        var result: Result<[Int64], StoreError>?
        /// Set when this caller is woken to lead the next batch instead of to read its result.
        var leads = false
        /// Signalled once: when `result` is set, or when the caller is to lead.
        let wake = DispatchSemaphore(value: 0)
        init(_ work: Work) { self.work = work }
    }

    private let lock = NSCondition()
    private var pending: [Pending] = []
    private var writing = false
    private var closing = false
    private var transactions = 0
    private let connection: SQLiteConnection?
    private let insertSQL: String
    /// Commits one batch (each caller's work) in one transaction elsewhere (PostgreSQL); the
    /// protocol above is the same whichever engine holds the audit.
    typealias BatchCommit = ([Work]) -> Result<[[Int64]], StoreError>
    private let batchCommit: BatchCommit?
    /// Records per transaction (`wicket_audit_records_per_commit`), through the bootstrapped metrics.
    private let recordsPerCommit: Recorder

    init(connection: SQLiteConnection, insertSQL: String, tenant: String = "") {
        self.connection = connection
        self.insertSQL = insertSQL
        batchCommit = nil
        recordsPerCommit = Recorder(label: "wicket_audit_records_per_commit", dimensions: [("tenant", tenant)], aggregate: true)
    }

    init(tenant: String, commit: @escaping BatchCommit) {
        connection = nil
        insertSQL = ""
        batchCommit = commit
        recordsPerCommit = Recorder(label: "wicket_audit_records_per_commit", dimensions: [("tenant", tenant)], aggregate: true)
    }

    /// Adds rows and waits until they are committed (all in one transaction); returns their rowids.
    func append(_ rows: [[SQLiteValue?]], alerts: [[String]] = []) throws(StoreError) -> [Int64] {
        try append(work: .records(rows, alerts: alerts))
    }

    /// Adds work and waits until it is committed; returns the rowids of the records it inserted.
    func append(work: Work) throws(StoreError) -> [Int64] {
        let item = Pending(work)
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
        if let batchCommit {
            let outcome = batchCommit(batch.map(\.work))
            if case .success(let ids) = outcome { recordsPerCommit.record(ids.reduce(0) { $0 + $1.count }) }
            return outcome
        }
        guard let connection else { return .failure(StoreError(.closed, "the audit store has no connection")) }
        var recordCount = 0
        do throws(StoreError) {
            let ids = try connection.transaction { () throws(StoreError) -> [[Int64]] in
                let insert = try connection.statement(insertSQL)
                var ids: [[Int64]] = []
                ids.reserveCapacity(batch.count)
                for item in batch {
                    var itemIDs: [Int64] = []
                    switch item.work {
                    case .records(let rows, let alerts):
                        for (index, row) in rows.enumerated() {
                            insert.reset()
                            try insert.bind(row)
                            try insert.run()
                            let id = connection.lastInsertRowID
                            itemIDs.append(id)
                            if index < alerts.count, !alerts[index].isEmpty {
                                try AlertOutboxSQL.enqueue(recordID: id, alerts: alerts[index], on: connection)
                            }
                        }
                        recordCount += rows.count
                    case .statements(let statements):
                        // Bookkeeping never fails the records: a failed statement rolls back alone.
                        for (sql, values) in statements {
                            try connection.execute("SAVEPOINT outbox")
                            do throws(StoreError) {
                                let statement = try connection.statement(sql)
                                defer { statement.reset() }
                                try statement.bind(values)
                                try statement.run()
                            } catch {
                                try connection.execute("ROLLBACK TO outbox")
                            }
                            try connection.execute("RELEASE outbox")
                        }
                    }
                    ids.append(itemIDs)
                }
                return ids
            }
            if recordCount > 0 { recordsPerCommit.record(recordCount) }
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

    /// How many callers wait for the commit under way to finish (tests wait on it instead of sleeping).
    var pendingCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return pending.count
    }

    /// Waits for the commit under way and refuses later appends.
    func close() {
        lock.lock()
        closing = true
        while writing { lock.wait() }
        lock.unlock()
    }
}
