import Foundation

/// Checkpoints the audit's WAL on a thread of its own, so that no request waits for one.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that request
/// waits for the whole WAL to be copied into the database and fsynced (a one-connection p99 tail).
/// Instead the writer's WAL hook reports the WAL's size after each commit, and past `threshold`
/// frames asks this thread to checkpoint. A pass copies the WAL on a connection of its own, beside the
/// writer (PASSIVE: it waits for nobody); then it copies the few frames committed meanwhile while
/// holding the writer's turn, so that the WAL is wholly copied and the next commit restarts it from
/// the start: the WAL stays near `threshold` frames. Should this thread fall behind, the writer
/// checkpoints itself at `limit` frames, so the WAL is bounded either way.
///
/// What still reaches a request: the catch-up's own syncs (a checkpoint must sync the WAL and the
/// database before the WAL may restart) and the restarted WAL's header sync in the next commit (SQLite
/// syncs it so that a power loss cannot mix old and new frames), once per `threshold` frames; and on
/// a disk whose fsyncs queue behind each other the pass's fsyncs delay the commits' own. So a pass
/// copies beside the writer until commits add only a few frames during a copy (`converge`), and the
/// catch-up copies and syncs only those; and `threshold` is 4,000 frames, so these waits reach one
/// request in several hundred at one connection (docs/benchmarks.md, "Issue 11, round 6").
///
/// Safe for readers and kill -9: a checkpoint only copies committed pages into the database file,
/// never removes a frame a reader still needs, and SQLite recovers an interrupted one from the WAL.
///
/// `@unchecked Sendable`: `requested`, `stopping`, `running`, `copying`, `passes`, `failures`,
/// `lastCopies` and `exclusive` are only touched with `lock` held; `connection`
/// only by the checkpoint thread; `afterCopy` is set by a test before the thread first reads it.
final class AuditCheckpointer: @unchecked Sendable {
    /// WAL frames (pages) after which a pass starts: four times SQLite's automatic-checkpoint default
    /// (~8 MB with 2 KB pages), so that the catch-up's and the restart's syncs are rare on the request
    /// path; a pass copies each page once however often the WAL holds it, so fewer, longer passes
    /// also write less into the database per record.
    static let defaultThreshold = 4000
    let threshold: Int
    /// WAL frames at which the writer stops waiting for this thread and checkpoints itself.
    var limit: Int { threshold * 4 }
    /// Runs its argument while no batch commits (the writer's turn).
    typealias Exclusive = (() -> Void) -> Void

    private let lock = NSCondition()
    private var requested = false
    private var stopping = false
    private var running = false
    /// The pass copies beside the writer (not in its turn): a writer past `limit` waits for it.
    private var copying = false
    private var passes = 0
    private var failures = 0
    private let open: () throws(StoreError) -> SQLiteConnection
    private var connection: SQLiteConnection?
    private var exclusive: Exclusive?

    /// `open` opens the checkpoint thread's own connection (the first time a pass is needed).
    init(threshold: Int = defaultThreshold, open: @escaping () throws(StoreError) -> SQLiteConnection) {
        self.threshold = max(threshold, 1)
        self.open = open
    }

    /// Sets how a pass takes the writer's turn (the writer, once it exists).
    func attach(_ exclusive: @escaping Exclusive) {
        lock.lock()
        self.exclusive = exclusive
        lock.unlock()
    }

    /// Asks for a pass (the thread starts on the first request); returns at once.
    func request() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping, !requested else { return }
        requested = true
        if running {
            lock.signal()
        } else {
            running = true
            let thread = Thread { [self] in loop() }
            thread.name = "wicket-audit-ckpt"
            thread.start()
        }
    }

    /// Completed passes (for tests: they wait on this instead of sleeping).
    var passCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return passes
    }

    /// Passes that failed (a failed checkpoint loses nothing: the frames stay in the WAL).
    var failureCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    /// Waits until at least `count` passes have completed, or `timeout` has passed; returns whether they have.
    func waitForPasses(_ count: Int, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
        lock.lock()
        defer { lock.unlock() }
        while passes < count {
            if !lock.wait(until: deadline) { return passes >= count }
        }
        return true
    }

    /// Returns once no pass is copying beside the writer (the writer, past `limit`, then checkpoints
    /// itself: it would only be refused while this thread holds the checkpoint).
    func waitWhileCopying() {
        lock.lock()
        while copying { lock.wait() }
        lock.unlock()
    }

    private func setCopying(_ value: Bool) {
        lock.lock()
        copying = value
        if !value { lock.broadcast() }
        lock.unlock()
    }

    /// Stops the thread after the pass under way, and waits for it.
    func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        while running { lock.wait() }
        lock.unlock()
    }

    private func loop() {
        lock.lock()
        while true {
            while !requested && !stopping { lock.wait() }
            if stopping { break }
            requested = false
            let exclusive = self.exclusive
            lock.unlock()
            let passed = pass(exclusive)
            lock.lock()
            // Commits during the pass asked again for the frames it has just copied.
            requested = false
            if passed { passes += 1 } else { failures += 1 }
            lock.broadcast()
        }
        connection = nil
        running = false
        lock.broadcast()
        lock.unlock()
    }

    /// Frames the part of a pass in the writer's turn may be left to copy: what commits add during
    /// one copy beside the writer at one connection's pace.
    static let fewFrames = 64
    /// Copies beside the writer after the first, at most, while each finds more than `fewFrames`.
    static let convergeRounds = 3

    /// Copies the WAL beside the writer: the bulk, then again what commits added meanwhile while
    /// that is more than `fewFrames`, so that the part in the writer's turn copies and syncs only a
    /// few pages. Each copy syncs the WAL and the database (never in the writer's turn).
    private func converge(_ connection: SQLiteConnection) throws(StoreError) {
        var copied = try connection.checkpointPassive().copied
        afterCopy?()
        var copies = 1
        for _ in 0..<Self.convergeRounds {
            let next = try connection.checkpointPassive().copied
            afterCopy?()
            copies += 1
            let added = next - copied
            copied = next
            if added <= Self.fewFrames { break }
        }
        lock.lock()
        lastCopies = copies
        lock.unlock()
    }

    /// For tests: runs on the checkpoint thread after each copy beside the writer (set before the first pass).
    var afterCopy: (() -> Void)?
    /// For tests: the last pass's copies beside the writer.
    private var lastCopies = 0
    var lastPassCopies: Int {
        lock.lock()
        defer { lock.unlock() }
        return lastCopies
    }

    private func pass(_ exclusive: Exclusive?) -> Bool {
        do throws(StoreError) {
            let connection: SQLiteConnection
            if let existing = self.connection { connection = existing } else { connection = try open() }
            self.connection = connection
            // The bulk, beside the writer (a writer past the limit waits for this part only: the
            // next needs the writer's turn).
            setCopying(true)
            do throws(StoreError) { try converge(connection) } catch {
                setCopying(false)
                throw error
            }
            setCopying(false)
            var outcome: Result<Void, StoreError> = .success(())
            if let exclusive {
                // The frames committed meanwhile (few), so that the next commit restarts the WAL.
                exclusive {
                    do throws(StoreError) { try connection.checkpointPassive() } catch { outcome = .failure(error) }
                }
            }
            if case .failure(let error) = outcome { throw error }
            return true
        } catch {
            connection = nil
            return false
        }
    }
}
