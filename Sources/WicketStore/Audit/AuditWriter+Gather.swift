import Foundation

/// The group commit's gathering: how a leader makes its batch larger under load without ever
/// delaying a lone caller.
///
/// A caller announces a decision whose records will come to this writer (``AuditWriter/announce()``,
/// when it starts deciding) and ends the announcement with its append (`announced: true`), or with
/// ``AuditWriter/withdraw()`` when it has nothing to append after all. `deciding` counts the
/// announcements not yet ended. A leader about to commit a batch waits while `deciding > 0`, until
/// the last of them arrives (that append wakes it: one wake-up per batch) or `gatherBound` passes,
/// whichever is first; then it commits everything pending in one transaction, as before.
///
/// Why it is safe: the wait happens before the batch's transaction begins, holding only the turn,
/// so every record is still committed before its answer (completions run after the commit returned)
/// and a failed commit still answers every member of the batch with the error. The wait is bounded
/// (`gatherBound`, 100 µs by default: under a one-record commit's cost with `normal`, and a small
/// share of an fsync with `full`), and with no other decision under way (`deciding == 0`, e.g. at one
/// connection, where the caller's own append ended its announcement) the leader does not wait at all.
/// (The deadline is on the wall clock, as `NSCondition` waits: a clock stepped back during a wait
/// lengthens it, but the last announced decision's arrival still ends it, and a decision always ends.)
extension AuditWriter {
    /// The longest a leader waits for announced decisions before it commits.
    static let defaultGatherBound: Duration = .microseconds(100)

    /// A decision whose records will be appended here (with `announced: true`) has started.
    func announce() {
        lock.lock()
        deciding += 1
        lock.unlock()
    }

    /// An announced decision ends without an append (it had nothing to commit here).
    func withdraw() {
        lock.lock()
        arrived()
        lock.unlock()
    }

    /// With `lock` held: one announcement has ended; wakes a gathering leader when it was the last.
    func arrived() {
        deciding = max(deciding - 1, 0)
        if deciding == 0 && gathering { lock.broadcast() }
    }

    /// With `lock` held and the turn taken: waits, at most `gatherBound`, while announced decisions
    /// are under way (they join the batch about to be committed). Returns at once when none is.
    func gather() {
        guard deciding > 0, gatherBound > .zero, !closing else { return }
        let (seconds, attoseconds) = gatherBound.components
        let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        gathering = true
        gatheredCommits += 1
        while deciding > 0 && !closing {
            if !lock.wait(until: deadline) {
                if deciding > 0 { gatherTimeouts += 1 }
                break
            }
        }
        gathering = false
    }

    /// Whether the leader waits for announced decisions now (for tests).
    var isGathering: Bool {
        lock.lock()
        defer { lock.unlock() }
        return gathering
    }

    /// Announced decisions not yet appended (for tests).
    var decidingCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return deciding
    }

    /// Commits whose leader waited for announced decisions, and how many of those waits hit the bound (for tests).
    var gatherCounts: (waited: Int, timedOut: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (gatheredCommits, gatherTimeouts)
    }
}
