import CoreMetrics
import Foundation

/// Group commit without a writer thread: the caller that finds no commit under way becomes the
/// leader and commits, in one transaction, every record pending at that moment; callers that arrive
/// meanwhile are queued and form the next batch, which the same leader commits next (it leads until
/// nothing is pending). A caller either waits (``append(work:)``: it returns only after the
/// transaction holding its record committed, or throws that transaction's error), or hands over a
/// completion (``append(work:then:)``: it returns at once unless it leads, and the leader runs the
/// completion on its own thread after the commit returned, outside the lock). So under load one fsync
/// serves many requests, and the requests whose answer is written by a completion never sleep on the
/// commit. The WAL is checkpointed by `AuditCheckpointer`'s thread, which takes the writer's turn
/// (`exclusively`) only for the last few frames of a pass, and leads the batch that queued meanwhile.
///
/// Gathering (AuditWriter+Gather.swift): a caller may announce a decision whose records will follow
/// (``announce()``, then an append with `announced: true`). Before committing a batch the leader waits,
/// at most ``gatherBound``, while announced decisions are still under way, so they join this batch
/// instead of forming the next one. With none under way it commits at once: a lone caller never waits.
final class AuditWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `writing`, `closing`, `transactions`, `exclusiveWaiting`,
    // `exclusiveTurn`, `deciding`, `gathering` and the gather counters are only touched with `lock` held; a `Pending`'s `result` is written by the leader
    // before it signals `wake` (a waiting caller reads it after its wait: the semaphore orders them) or
    // calls `completion` (on the leader's own thread); `connection`, `transactionControl` and `walFrames` only by whoever
    // holds the turn (`writing`).
    enum Work {
        /// Audit rows, each with the alert names its record raises (one outbox row each).
        case records([[SQLiteValue?]], alerts: [[String]])
        /// Audit rows encoded once (SQLite), each with the alert names its record raises.
        case rows([AuditRow])
        /// Statements of the alert outbox's bookkeeping.
        case statements([(String, [SQLiteValue?])])
    }

    /// What a completion receives: the rowids of the records its work inserted, or why the
    /// transaction holding them failed.
    typealias Completion = @Sendable (Result<[Int64], StoreError>) -> Void

    final class Pending {
        /// One caller's work: committed together, in the same transaction.
        let work: Work
        /// Set by the leader after the commit, before `wake` is signalled; the caller reads it after its wait.
        var result: Result<[Int64], StoreError>?
        /// A caller that waits is signalled once its `result` is set; nil for a caller with a completion.
        let wake: DispatchSemaphore?
        /// Run by the leader after the commit, outside the lock; nil for a caller that waits.
        let completion: Completion?
        init(_ work: Work, completion: Completion?) {
            self.work = work
            self.completion = completion
            wake = completion == nil ? DispatchSemaphore(value: 0) : nil
        }
    }

    let lock = NSCondition()
    private var pending: [Pending] = []
    private var writing = false
    var closing = false
    /// Announced decisions whose records have not been appended yet (AuditWriter+Gather.swift).
    var deciding = 0
    /// Whether the leader waits for `deciding` to reach zero (an append that makes it zero wakes it).
    var gathering = false
    /// How long a leader waits at most for announced decisions before committing its batch.
    let gatherBound: Duration
    /// Commits whose leader waited for announced decisions, and those of them that hit the bound (for tests).
    var gatheredCommits = 0
    var gatherTimeouts = 0
    private var transactions = 0
    /// A checkpoint pass waits for the turn; the leader hands it over (`exclusiveTurn`) before the next batch.
    private var exclusiveWaiting = false
    private var exclusiveTurn = false
    var inlineCheckpoints = 0
    let connection: SQLiteConnection?
    let checkpointer: AuditCheckpointer?
    /// The WAL's frames after the last commit (SQLite's WAL hook writes it).
    let walFrames = WALFrames()
    private let insertSQL: String
    let insert: AuditRowInsert
    /// `BEGIN IMMEDIATE` and `COMMIT` on `connection`, once prepared (only by whoever holds the turn).
    var transactionControl: (begin: SQLiteStatement, commit: SQLiteStatement)?
    /// Commits one batch (each caller's work) in one transaction elsewhere (PostgreSQL); the
    /// protocol above is the same whichever engine holds the audit.
    typealias BatchCommit = ([Work]) -> Result<[[Int64]], StoreError>
    let batchCommit: BatchCommit?
    /// Records per transaction (`wicket_audit_records_per_commit`), through the bootstrapped metrics.
    let recordsPerCommit: Recorder

    /// With a `checkpointer`, the connection's own automatic checkpoint is off and that thread checkpoints.
    /// `aloneSQL`: the insert a commit of one statement runs as its own transaction (`AuditRowInsert`);
    /// nil runs every commit inside `BEGIN IMMEDIATE … COMMIT`.
    init(
        connection: SQLiteConnection, insertSQL: String, aloneSQL: String? = nil, tenant: String = "",
        checkpointer: AuditCheckpointer? = nil, gatherBound: Duration = AuditWriter.defaultGatherBound
    ) {
        self.connection = connection
        self.gatherBound = gatherBound
        self.insertSQL = insertSQL
        insert = AuditRowInsert(insertSQL: insertSQL, aloneSQL: aloneSQL)
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
        gatherBound = AuditWriter.defaultGatherBound
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

    /// Adds rows and returns; `completion` gets their rowids after the commit (``append(work:then:)``).
    func append(_ rows: [[SQLiteValue?]], alerts: [[String]] = [], then completion: @escaping Completion) {
        append(work: .records(rows, alerts: alerts), then: completion)
    }

    /// Adds work and waits until it is committed; returns the rowids of the records it inserted.
    func append(work: Work, announced: Bool = false) throws(StoreError) -> [Int64] {
        let item = Pending(work, completion: nil)
        lock.lock()
        if announced { arrived() }
        guard !closing else {
            lock.unlock()
            throw StoreError(.closed, "the audit store has been closed")
        }
        pending.append(item)
        if writing {
            lock.unlock()
            item.wake?.wait()
            // Woken with its result (set before the signal, which orders it): no lock to take.
            return try Self.outcome(item.result)
        }
        writing = true
        lead()
        return try Self.outcome(item.result)
    }

    /// Adds work and returns; `completion` runs once the transaction holding it has committed (or
    /// failed), on the thread that led that commit: this one when no commit was under way (then it has
    /// run before this returns), otherwise the leader's. Never before the commit returned.
    /// `completion` must not append to this writer synchronously (its caller holds the turn).
    /// `announced`: this caller announced its decision (``announce()``); its append ends the announcement.
    func append(work: Work, announced: Bool = false, then completion: @escaping Completion) {
        let item = Pending(work, completion: completion)
        lock.lock()
        if announced { arrived() }
        guard !closing else {
            lock.unlock()
            return completion(.failure(StoreError(.closed, "the audit store has been closed")))
        }
        pending.append(item)
        guard !writing else {
            // The leader commits it with the batch forming now, and runs the completion.
            return lock.unlock()
        }
        writing = true
        lead()
    }

    private static func outcome(_ result: Result<[Int64], StoreError>?) throws(StoreError) -> [Int64] {
        switch result {
        case .success(let ids): return ids
        case .failure(let error): throw error
        case nil: throw StoreError(.closed, "the audit store has been closed")
        }
    }

    /// Holding the turn (`writing`), with `lock` held: commits what is pending, then answers the batch
    /// (completions run here, waiting callers are woken) outside the lock, then records its metric and
    /// checks whether a checkpoint is due (``afterAnswers(_:)``), and again while batches
    /// queued meanwhile; then passes the turn to a waiting checkpoint pass, or to nobody. Returns with
    /// `lock` released.
    private func lead() {
        while true {
            gather()
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            lock.unlock()
            let outcome = write(batch)
            switch outcome {
            case .success(let ids):
                for (entry, entryIDs) in zip(batch, ids) { entry.result = .success(entryIDs) }
            case .failure(let error):
                for entry in batch { entry.result = .failure(error) }
            }
            for entry in batch {
                if let completion = entry.completion, let result = entry.result {
                    completion(result)
                } else {
                    entry.wake?.signal()
                }
            }
            if case .success(let ids) = outcome { afterAnswers(ids) }
            lock.lock()
            transactions += 1
            if exclusiveWaiting {
                // The checkpoint pass leads whatever queued once its frames are copied.
                exclusiveWaiting = false
                exclusiveTurn = true
                lock.broadcast()
                return lock.unlock()
            }
            if pending.isEmpty {
                writing = false
                lock.broadcast()  // a closer may be waiting for the last commit
                return lock.unlock()
            }
        }
    }

    /// Runs `body` holding the turn no batch commits without: after the commit under way, before the
    /// next. For a checkpoint's last few frames. The batch that queued meanwhile is then committed and
    /// answered on this thread (its callers did not wait for a turn to be handed back).
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
        if pending.isEmpty {
            writing = false
            lock.broadcast()
            lock.unlock()
        } else {
            lead()
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
