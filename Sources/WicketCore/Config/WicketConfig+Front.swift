extension WicketConfig {
    /// The `[server]` keys of the FastCGI front's threads.
    static let frontServerKeys: Set<String> = ["batch_scheduling"]

    /// Reads `batch_scheduling` (default false): whether the event loops' threads move from the default
    /// scheduling policy to SCHED_BATCH, so that a woken loop does not preempt the thread running
    /// (WicketFastCGI's BatchScheduling.swift; docs/operations.md says when to turn it off).
    mutating func readFrontSettings(_ server: TableReader) throws(ConfigError) {
        batchScheduling = try server.bool("batch_scheduling") ?? false
    }
}
