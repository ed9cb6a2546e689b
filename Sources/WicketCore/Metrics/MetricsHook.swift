import WicketStore

/// What the pipeline reports after a request's records are committed; kept out of
/// `DecisionPipeline` so the request path reads as the decision alone.
enum MetricsHook {
    static func committed(
        _ records: [AuditRecord], tenant: String, handles: TenantMetricHandles, metrics: WicketMetrics, decisionNanoseconds: Int64,
        commit: Duration, onAlertsQueued: (@Sendable () -> Void)?
    ) {
        // Counting the records' alerts tells whether any was queued: one look at each policy's annotations.
        let alerts = metrics.requestCommitted(
            records, handles: handles, decisionNanoseconds: decisionNanoseconds, commitNanoseconds: nanoseconds(commit))
        var policyErrors = 0
        let span = records.span  // read in place: an array's subscript getter copies the whole record
        for index in span.indices where !span[index].errors.isEmpty {
            policyErrors += span[index].errors.count { $0.hasPrefix(Verdict.errorPrefix) }
        }
        metrics.error(.policy, tenant: tenant, count: policyErrors)
        if alerts { onAlertsQueued?() }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
