/// One batch's commit on SQLite, by whoever holds the writer's turn.
///
/// A batch whose records fit one insert statement and raise no alert (the one-connection path: one
/// record a commit) is that statement alone, SQLite's autocommit: it begins its own write
/// transaction (the same read mark, write lock and busy handling as `BEGIN IMMEDIATE`) and commits
/// when it ends, with the same WAL frames and, per `synchronous`, the same sync, before `step`
/// returns; on any error SQLite rolls all of it back. That spares two statements a commit (`BEGIN
/// IMMEDIATE`, `COMMIT`: their VDBE runs, resets and the transaction's second begin), ~1,500
/// instructions in SQLite (docs/benchmarks.md, "Issue 11, round 9"). Any other batch (alerts,
/// the outbox's bookkeeping, more than one statement's rows) commits inside `BEGIN IMMEDIATE …
/// COMMIT` as before, so its statements share one fate.
extension AuditWriter {
    func write(_ batch: [Pending]) -> Result<[[Int64]], StoreError> {
        if let batchCommit {
            return batchCommit(batch.map(\.work))
        }
        guard let connection else { return .failure(StoreError(.closed, "the audit store has no connection")) }
        let rows = Self.rows(of: batch)
        do throws(StoreError) {
            let ids: [[Int64]]
            if insert.canInsertAlone(rows.count) && Self.raisesNoAlert(batch) && connection.isAutocommit {
                ids = Self.split(try insertAlone(rows, on: connection), among: batch)
            } else {
                ids = try transaction(on: connection) { () throws(StoreError) -> [[Int64]] in
                    try insertInTransaction(rows, batch, on: connection)
                }
            }
            return .success(ids)
        } catch {
            return .failure(error)
        }
    }

    /// After a committed batch has been answered (its completions ran, its waiting callers were woken):
    /// the records-per-commit metric, and the checkpoint the commit may have made due. Neither changes
    /// an answer, so neither runs between the commit and the answers: the histogram's update (~550
    /// instructions) left the one-connection request's serial path, and a checkpoint this thread must
    /// make itself (the checkpoint thread outrun) delays the next batch, no longer this one's answers
    /// (docs/benchmarks.md, "Issue 11, round 10: the one-connection path").
    func afterAnswers(_ ids: [[Int64]]) {
        let records = ids.reduce(0) { $0 + $1.count }
        // PostgreSQL's commits are counted even without records, as they always were.
        if records > 0 || batchCommit != nil { recordsPerCommit.record(records) }
        if let connection { checkpointIfDue(connection) }
    }

    /// Every caller's rows, in batch order (one caller's array itself when it is the batch).
    private static func rows(of batch: [Pending]) -> [AuditRow] {
        if batch.count == 1 { return batch[0].work.rows }
        var rows: [AuditRow] = []
        rows.reserveCapacity(batch.count)  // a request's records are usually one row
        for item in batch { rows += item.work.rows }
        return rows
    }

    /// Whether the batch is only records and none of them raises an alert (no outbox row to add in
    /// the same transaction, no bookkeeping statement).
    private static func raisesNoAlert(_ batch: [Pending]) -> Bool {
        batch.allSatisfy { item in
            if case .statements = item.work { return false }
            return item.work.rows.allSatisfy { $0.alerts.isEmpty }
        }
    }

    /// Each caller's share of `rowIDs` (the batch's rows in order).
    private static func split(_ rowIDs: [Int64], among batch: [Pending]) -> [[Int64]] {
        if batch.count == 1 { return [rowIDs] }
        var next = 0
        return batch.map { item in
            let count = item.work.rows.count
            defer { next += count }
            return Array(rowIDs[next..<next + count])
        }
    }

    /// The one-statement commit; should SQLite leave a transaction open after a failure (it rolls
    /// back an autocommit statement's own), it is rolled back here.
    private func insertAlone(_ rows: [AuditRow], on connection: SQLiteConnection) throws(StoreError) -> [Int64] {
        do throws(StoreError) {
            return try insert.insertAlone(rows, on: connection)
        } catch {
            if !connection.isAutocommit { try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// Inside the transaction: every caller's records in multi-row inserts, then in batch order each
    /// record's alerts and each caller's bookkeeping statements.
    private func insertInTransaction(_ rows: [AuditRow], _ batch: [Pending], on connection: SQLiteConnection) throws(StoreError)
        -> [[Int64]]
    {
        let rowIDs = try rows.isEmpty ? [] : insert.insert(rows, on: connection)
        var next = 0
        var ids: [[Int64]] = []
        ids.reserveCapacity(batch.count)
        for item in batch {
            let itemRows = item.work.rows
            let itemIDs = Array(rowIDs[next..<next + itemRows.count])
            next += itemRows.count
            for (id, row) in zip(itemIDs, itemRows) where !row.alerts.isEmpty {
                try AlertOutboxSQL.enqueue(recordID: id, alerts: row.alerts, on: connection)
            }
            if case .statements(let statements) = item.work {
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

    /// `BEGIN IMMEDIATE … COMMIT` with statements prepared once (`SQLiteConnection.transaction`
    /// parses each again) and held here (the connection's cache would hash their text on every
    /// commit), rolling back on error.
    private func transaction<R>(on connection: SQLiteConnection, _ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        let (begin, commit) = try transactionStatements(on: connection)
        try begin.run()
        do throws(StoreError) {
            let result = try body()
            try commit.run()
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The writer's `BEGIN IMMEDIATE` and `COMMIT`, prepared on the first commit (by whoever holds the turn).
    private func transactionStatements(on connection: SQLiteConnection) throws(StoreError) -> (SQLiteStatement, SQLiteStatement) {
        if let transactionControl { return transactionControl }
        let made = (try connection.statement("BEGIN IMMEDIATE"), try connection.statement("COMMIT"))
        transactionControl = made
        return made
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
}

extension AuditWriter.Work {
    /// The audit rows this work inserts, in order, each with the alert names its record raises; none
    /// for the outbox's bookkeeping. The one place that tells the cases' rows apart (the commit reads
    /// a caller's rows, their count and their alerts through it). `.records` (PostgreSQL's values,
    /// which its own commit reads; on SQLite only tests append them) is encoded on each read.
    var rows: [AuditRow] {
        switch self {
        case .rows(let rows): rows
        case .records(let values, let alerts):
            values.indices.map { AuditRow(values: values[$0], alerts: $0 < alerts.count ? alerts[$0] : []) }
        case .statements: []
        }
    }
}
