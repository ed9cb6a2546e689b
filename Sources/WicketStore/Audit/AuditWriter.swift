import CoreMetrics
import Foundation

/// Group commit without a writer thread: the caller that finds no commit under way becomes the
/// leader and commits, in one transaction, every record pending at that moment; callers that arrive
/// meanwhile wait and form the next batch, whose first caller leads it. Each `append` returns only
/// after the transaction holding its record has committed (or failed: then every caller of that batch
/// gets the error). The leader writes on its own thread, so a commit costs no hand-off to another
/// thread and back, and under load one fsync serves many requests. The WAL is checkpointed by
/// `AuditCheckpointer`'s thread, which takes the writer's turn (`exclusively`) only for the last
/// few frames of a pass.
final class AuditWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `writing`, `closing`, `transactions`, `exclusiveWaiting`,
    // `exclusiveTurn` are only touched with `lock` held; a `Pending`'s `result`/`leads` are written
    // with `lock` held before its semaphore is signalled, and read by its caller after the wait (the
    // semaphore orders them); `connection` and `walFrames` only by whoever holds the turn (`writing`).
    enum Work {
        /// Audit rows, each with the alert names its record raises (one outbox row each).
        case records([[SQLiteValue?]], alerts: [[String]])
        /// Audit rows encoded once (SQLite), each with the alert names its record raises.
        case rows([AuditRow])
        /// Statements of the alert outbox's bookkeeping.
        case statements([(String, [SQLiteValue?])])
    }

    final class Pending {
        /// One caller's work: committed together, in the same transaction.
        let work: Work
        /// Set (with `lock` held) before `wake` is signalled; the caller reads it after its wait.
        var result: Result<[Int64], StoreError>?
        /// Set when this caller is woken to lead the next batch instead of to read its result
        /// (with `lock` held, before `wake` is signalled).
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
    /// A checkpoint pass waits for the turn; the leader hands it over (`exclusiveTurn`) before the next batch.
    private var exclusiveWaiting = false
    private var exclusiveTurn = false
    private var inlineCheckpoints = 0
    private let connection: SQLiteConnection?
    private let checkpointer: AuditCheckpointer?
    /// The WAL's frames after the last commit (SQLite's WAL hook writes it).
    private let walFrames = WALFrames()
    private let insertSQL: String
    private let insert: AuditRowInsert
    /// Commits one batch (each caller's work) in one transaction elsewhere (PostgreSQL); the
    /// protocol above is the same whichever engine holds the audit.
    typealias BatchCommit = ([Work]) -> Result<[[Int64]], StoreError>
    private let batchCommit: BatchCommit?
    /// Records per transaction (`wicket_audit_records_per_commit`), through the bootstrapped metrics.
    private let recordsPerCommit: Recorder

    /// With a `checkpointer`, the connection's own automatic checkpoint is off and that thread checkpoints.
    init(connection: SQLiteConnection, insertSQL: String, tenant: String = "", checkpointer: AuditCheckpointer? = nil) {
        self.connection = connection
        self.insertSQL = insertSQL
        insert = AuditRowInsert(insertSQL: insertSQL)
        self.checkpointer = checkpointer
        batchCommit = nil
        recordsPerCommit = Recorder(label: "wicket_audit_records_per_commit", dimensions: [("tenant", tenant)], aggregate: true)
        if let checkpointer {
            connection.reportWALFrames(into: walFrames)
            checkpointer.attach { [weak self] body in self?.exclusively(body) }
        }
    }

    init(tenant: String, commit: @escaping BatchCommit) {
        connection = nil
        checkpointer = nil
        insertSQL = ""
        insert = AuditRowInsert(insertSQL: "")
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
            // Woken with its result (set before the signal, which orders it): no lock to take.
            guard item.leads else { return try Self.outcome(item.result) }
            lock.lock()
        }
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
        handOff()
        lock.unlock()
        // Wake the batch outside the lock: new callers can queue meanwhile.
        for entry in batch where entry !== item { entry.wake.signal() }
        return try Self.outcome(item.result)
    }

    private static func outcome(_ result: Result<[Int64], StoreError>?) throws(StoreError) -> [Int64] {
        switch result {
        case .success(let ids): return ids
        case .failure(let error): throw error
        case nil: throw StoreError(.closed, "the audit store has been closed")
        }
    }

    /// Passes the turn on, with `lock` held: to a waiting checkpoint pass, else to the next batch's
    /// first caller, else to nobody.
    private func handOff() {
        if exclusiveWaiting {
            exclusiveWaiting = false
            exclusiveTurn = true
            lock.broadcast()
        } else if let next = pending.first {
            next.leads = true
            next.wake.signal()
        } else {
            writing = false
            lock.broadcast()  // a closer may be waiting for the last commit
        }
    }

    /// Runs `body` holding the turn no batch commits without: after the commit under way, before the
    /// next (whose callers wait meanwhile). For a checkpoint's last few frames.
    func exclusively(_ body: () -> Void) {
        lock.lock()
        guard !closing else {
            lock.unlock()
            return
        }
        if writing {
            exclusiveWaiting = true
            while !exclusiveTurn { lock.wait() }
            exclusiveTurn = false
        } else {
            writing = true
        }
        lock.unlock()
        body()
        lock.lock()
        handOff()
        lock.unlock()
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
            let ids = try transaction(on: connection) { () throws(StoreError) -> [[Int64]] in
                // Every caller's records in one multi-row insert, then each record's alerts.
                var rows: [AuditRow] = []
                for item in batch {
                    switch item.work {
                    case .rows(let itemRows): rows += itemRows
                    case .records(let itemRows, _): rows += itemRows.map(AuditRow.init(values:))
                    case .statements: break
                    }
                }
                let rowIDs = try rows.isEmpty ? [] : insert.insert(rows, on: connection)
                recordCount = rows.count
                var next = 0
                var ids: [[Int64]] = []
                ids.reserveCapacity(batch.count)
                for item in batch {
                    var itemIDs: [Int64] = []
                    switch item.work {
                    case .rows(let itemRows):
                        itemIDs = Array(rowIDs[next..<next + itemRows.count])
                        next += itemRows.count
                        for (id, row) in zip(itemIDs, itemRows) where !row.alerts.isEmpty {
                            try AlertOutboxSQL.enqueue(recordID: id, alerts: row.alerts, on: connection)
                        }
                    case .records(let itemRows, let alerts):
                        itemIDs = Array(rowIDs[next..<next + itemRows.count])
                        next += itemRows.count
                        for (index, id) in itemIDs.enumerated() where index < alerts.count && !alerts[index].isEmpty {
                            try AlertOutboxSQL.enqueue(recordID: id, alerts: alerts[index], on: connection)
                        }
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
            checkpointIfDue(connection)
            return .success(ids)
        } catch {
            return .failure(error)
        }
    }

    /// `BEGIN IMMEDIATE … COMMIT` with statements prepared once (`SQLiteConnection.transaction`
    /// parses each again), rolling back on error.
    private func transaction<R>(on connection: SQLiteConnection, _ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try connection.statement("BEGIN IMMEDIATE").run()
        do throws(StoreError) {
            let result = try body()
            try connection.statement("COMMIT").run()
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// After a commit: past the threshold, asks the checkpoint thread for a pass. Past the limit (that
    /// thread is outrun: its disk is slow, or it fails), waits for the copy under way and checkpoints
    /// here, so the WAL stays bounded: the writer slows down rather than the WAL growing without end.
    private func checkpointIfDue(_ connection: SQLiteConnection) {
        guard let checkpointer, walFrames.frames >= checkpointer.threshold else { return }
        guard walFrames.frames >= checkpointer.limit else { return checkpointer.request() }
        checkpointer.waitWhileCopying()
        if (try? connection.checkpointPassive()) != nil {
            lock.lock()
            inlineCheckpoints += 1
            lock.unlock()
        }
    }

    /// Whether a commit (or a checkpoint pass) holds the turn (for tests).
    var isWriting: Bool {
        lock.lock()
        defer { lock.unlock() }
        return writing
    }

    /// Whether a checkpoint pass waits for the turn (for tests).
    var isExclusiveWaiting: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exclusiveWaiting
    }

    /// Checkpoints the writer ran itself because the checkpoint thread fell behind (for tests).
    var inlineCheckpointCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return inlineCheckpoints
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
        checkpointer?.stop()
    }
}
