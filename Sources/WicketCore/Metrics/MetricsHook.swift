import WicketStore

/// What the pipeline reports after a request's records are committed; kept out of
/// `DecisionPipeline` so the request path reads as the decision alone.
enum MetricsHook {
    static func committed(
        _ records: [AuditRecord], tenant: String, handles: TenantMetricHandles, metrics: WicketMetrics, decision: Duration,
        commit: Duration, onAlertsQueued: (@Sendable () -> Void)?
    ) {
        metrics.requestCommitted(
            records, handles: handles, decisionNanoseconds: nanoseconds(decision),
            commitNanoseconds: nanoseconds(commit))
        var policyErrors = 0
        var alerts = false
        let span = records.span  // read in place: an array's subscript getter copies the whole record
        for index in span.indices {
            policyErrors += span[index].errors.count { $0.hasPrefix(Verdict.errorPrefix) }
            if !alerts, span[index].policies.contains(where: { $0.annotations["alert"] != nil }) { alerts = true }
        }
        metrics.error(.policy, tenant: tenant, count: policyErrors)
        if alerts { onAlertsQueued?() }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
