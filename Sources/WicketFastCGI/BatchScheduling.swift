import CLinuxIO

#if canImport(Glibc)
    import Glibc
#endif

/// SCHED_BATCH for the event loops' threads (issue 11, round 7: the front and the kernel).
///
/// Under SCHED_BATCH the kernel treats a thread as throughput work: when it is woken (nginx wrote a
/// request, another thread posted to its eventfd, a commit it waited on finished) it does not preempt
/// the thread running on that CPU, but runs when that one blocks or its slice ends. On the request
/// path that running thread is most often nginx finishing the write Wicket was woken for, or another
/// loop finishing a decision: letting it finish saves a context switch each way and lets the woken
/// loop find the whole request at once. Nothing else changes: the same time share as SCHED_OTHER at
/// the same nice value, no privilege needed (sched(7): "SCHED_BATCH ... does not require privileges").
/// Measured in docs/benchmarks.md, "Issue 11, round 7: the front and the kernel".
///
/// Only a thread under the default policy (SCHED_OTHER) is moved: a policy the operator chose for the
/// process (`chrt`, systemd's `CPUSchedulingPolicy=`) is kept, and `server.batch_scheduling = false`
/// leaves every thread as it started (docs/operations.md says when that helps).
enum BatchScheduling {
    /// Puts the calling thread under SCHED_BATCH if it runs under SCHED_OTHER. Returns the policy the
    /// thread runs under afterwards (`sched_getscheduler`), or -1 if it cannot be read.
    @discardableResult
    static func adoptForCurrentThread() -> Int32 {
        // On Linux, pid 0 names the calling thread, not the process: each loop moves only itself.
        guard sched_getscheduler(0) == SCHED_OTHER else { return sched_getscheduler(0) }
        var parameter = sched_param()
        parameter.sched_priority = 0
        _ = sched_setscheduler(0, WICKET_SCHED_BATCH, &parameter)
        return sched_getscheduler(0)
    }

    /// The policy number of SCHED_BATCH, for tests and logs.
    static var batchPolicy: Int32 { WICKET_SCHED_BATCH }
}
