import Dispatch
import Foundation

/// Best-effort "last used" writes (a key's `last_used_us`, a session's `seen_us`) on one background
/// queue instead of on the request that noticed them due: each is a write transaction with an
/// fsync (`synchronous = FULL`), milliseconds a request should not wait for, and its failure must
/// never turn a valid request into a denial. At most one write per row is queued at a time.
///
/// The writes still commit to the store file, so the store's `ReadCache` drops what it kept and
/// the next request reads the new value. Until the write has run, `pending` answers the time it is
/// writing (a session's idle clock counts from it, as it will once committed); once it has run,
/// either it committed (a commit the cache sees) or it failed, and the old value stands and the
/// next request schedules the write again. Read `pending` before the row, never after: then every
/// interleaving with the write gives the new time or the committed row.
final class UseRecorder: @unchecked Sendable {
    // @unchecked Sendable: `pending` is only touched under `lock`.
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var waiting: [ExactKey: Int64] = [:]

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `write` (of the use time `at`) in the background unless a write for `row` is waiting.
    func record(_ row: ExactKey, at time: Int64, _ write: @escaping @Sendable () -> Void) {
        lock.lock()
        let fresh = waiting[row] == nil
        if fresh { waiting[row] = time }
        lock.unlock()
        guard fresh else { return }
        queue.async { [self] in
            write()
            lock.lock()
            waiting[row] = nil
            lock.unlock()
        }
    }

    /// The use time being written for `row`, if a write is waiting or running.
    func pending(_ row: ExactKey) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return waiting[row]
    }

    /// Waits until every write recorded so far has run.
    func flush() {
        queue.sync {}
    }
}
