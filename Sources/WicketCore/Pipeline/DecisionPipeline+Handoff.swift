import WicketStore

/// The answer leaves from the commit: ``DecisionPipeline/decide(_:then:)`` decides on the caller's
/// thread, hands the records and the rendering of the answer to the tenant's audit sink, and returns.
/// The sink's group commit calls back once the transaction holding the records has returned, on the
/// thread that committed it, and that thread renders and sends the answer. So no answer can leave
/// before its record is committed (the callback does not run earlier), and a server thread never
/// sleeps waiting for a commit another thread leads.
extension DecisionPipeline {
    /// Decides `request` and calls `answer` exactly once with the decision, after its audit records
    /// committed (a failed commit answers the 503 refusal). `answer` runs on this thread when this
    /// caller committed (no commit was under way) or had nothing to commit, otherwise on the thread that
    /// led the commit; it must be short and must not decide synchronously.
    ///
    /// Before deciding, the request is announced to its tenant's audit sink, so that a commit led
    /// meanwhile may wait for it (bounded: AuditWriter+Gather.swift); its append ends the announcement.
    public func decide(_ request: consuming DecisionInput, then answer: @escaping @Sendable (Decision) -> Void) {
        let route = route(of: request)
        let sink = route?.tenant.auditSink
        let announced = sink?.announce() ?? false
        switch decision(for: request, route: route) {
        case .final(let decision):
            if announced { sink?.withdraw() }
            answer(decision)
        case .committing(let commit):
            commit.tenant.auditSink.append(contentsOf: commit.records, announced: announced) { [self] result in
                switch result {
                case .success: answer(finish(commit, failure: nil))
                case .failure(let error): answer(finish(commit, failure: error))
                }
            }
        }
    }

    /// What deciding a request leaves to do.
    enum Decided {
        /// Nothing to commit (no tenant, so no audit to write to): the answer as it is.
        case final(Decision)
        /// Records to commit before the answer.
        case committing(Commit)
    }

    /// A decided request waiting for its records' commit: everything its answer is rendered from.
    /// A class: the completion that answers captures one reference, not a copy of every field.
    final class Commit: @unchecked Sendable {
        // @unchecked Sendable: immutable; handed once from the deciding thread to the committing one
        // through the audit writer's lock, and read only there.
        /// The answer and its records, each record with the decision's latency.
        let outcome: Outcome
        /// The outcome's records (the same array: no copy).
        var records: [AuditRecord] { outcome.records }
        let tenant: TenantRuntime
        /// The tenant's metric handles from the request's route (nil: looked up by name).
        let handles: TenantMetricHandles?
        let requestID: String
        /// When the records went to the sink (the commit's latency is measured from here).
        let committing: ContinuousClock.Instant
        /// The decision's time, from its start to `committing` (the metrics' decision duration; the
        /// records' latency in microseconds): worked out once (`Duration.components` is a division).
        let decisionNanoseconds: Int64

        /// Takes `outcome` over and writes the latency into its records in place: the array is this
        /// outcome's alone, so no record is copied.
        init(
            _ outcome: consuming Outcome, tenant: TenantRuntime, handles: TenantMetricHandles?, requestID: String,
            started: ContinuousClock.Instant
        ) {
            // One clock read: the decision's end is the commit's start.
            let now = ContinuousClock.now
            decisionNanoseconds = MetricsHook.nanoseconds(now - started)
            let latency = decisionNanoseconds / 1000  // microseconds, truncated as the nanoseconds are
            var outcome = outcome
            for index in outcome.records.indices { outcome.records[index].latencyMicros = latency }
            self.outcome = outcome
            self.tenant = tenant
            self.handles = handles
            self.requestID = requestID
            committing = now
        }
    }
}
