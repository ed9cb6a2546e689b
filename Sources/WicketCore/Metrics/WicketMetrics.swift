import Cedar
import CoreMetrics
import Foundation
import Prometheus
import WicketStore

/// Every metric Wicket emits, by name, through swift-metrics. `wicket serve` bootstraps the
/// Prometheus backend (``prometheusFactory(registry:)``); elsewhere the factory is swift-metrics'
/// no-op, so commands and tests that do not ask for metrics pay nothing. Tests pass their own factory.
///
/// Label values come from the configuration (tenant, server), the policy files (policy id, alert
/// name) or a fixed list (method, decision, kind) — never from a client — so the number of series
/// is bounded by what the operator wrote.
public struct WicketMetrics: Sendable {
    let factory: any MetricsFactory
    /// The per-request handles, made once per label set (MetricHandles.swift).
    let handles = MetricHandles()

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Bootstraps swift-metrics with the Prometheus backend (once per process, by the executable)
    /// and returns the endpoint that renders it.
    public static func bootstrapPrometheus() -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(prometheusFactory(registry: registry))
        return MetricsEndpoint(registry: registry)
    }

    /// A Prometheus-backed instance and its endpoint without touching the global bootstrap
    /// (benchmarks, tests).
    public static func prometheus() -> (metrics: WicketMetrics, endpoint: MetricsEndpoint) {
        let registry = PrometheusCollectorRegistry()
        return (WicketMetrics(factory: prometheusFactory(registry: registry)), MetricsEndpoint(registry: registry))
    }

    /// The Prometheus backend with Wicket's histogram buckets.
    public static func prometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.valueHistogramBuckets["wicket_audit_records_per_commit"] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        return factory
    }

    // MARK: - Decisions

    /// One request's records: decisions, determining policies, latency, commit time, queued alerts.
    func requestCommitted(_ records: [AuditRecord], tenant: String, decisionNanoseconds: Int64, commitNanoseconds: Int64) {
        requestCommitted(
            records, handles: handles.tenant(tenant, factory: factory), decisionNanoseconds: decisionNanoseconds,
            commitNanoseconds: commitNanoseconds)
    }

    /// The same, with the tenant's handles already found (the pipeline resolves each tenant's once).
    /// Returns whether a determining policy carries an `@alert` annotation (its record queued alerts:
    /// the caller wakes the dispatcher), found in the same pass that counts them.
    @discardableResult
    func requestCommitted(
        _ records: [AuditRecord], handles: TenantMetricHandles, decisionNanoseconds: Int64, commitNanoseconds: Int64
    ) -> Bool {
        var alerted = false
        handles.withCounters { counter in
            // Through a span: `for record in records`, and even `records[index]`'s getter, copy each
            // record (a retain per field) to read a few.
            let span = records.span
            for index in span.indices {
                let decision = span[index].decision.rawValue
                counter(
                    .decision, LabelValues("", span[index].server ?? "", Self.methodLabel(span[index].method), decision, count: 3)
                ).increment()
                var counted: [String] = []  // the record's alert names, each counted once (`AuditRecord.alertNames(in:)`)
                let policies = span[index].policies
                let each = policies.span  // `for policy in policies` copies each policy (its id and annotations)
                for position in each.indices {
                    counter(.determination, LabelValues("", each[position].id, decision, count: 2)).increment()
                    guard let alert = each[position].alertName else { continue }
                    alerted = true
                    if AuditRecord.DeterminingPolicy.collectAlert(alert, into: &counted) {
                        counter(.alert, LabelValues("", alert, count: 1)).increment()
                    }
                }
            }
        }
        handles.decisionDuration.recordNanoseconds(decisionNanoseconds)
        handles.commitDuration.recordNanoseconds(commitNanoseconds)
        return alerted
    }

    /// What failed: `store` (audit, keys, credentials), `geoip`, `policy` (a Cedar evaluation error).
    enum ErrorKind: String { case store, geoip, policy }

    func error(_ kind: ErrorKind, tenant: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "wicket_errors_total", dimensions: [("tenant", tenant), ("kind", kind.rawValue)], factory: factory)
            .increment(by: count)
    }

    // MARK: - Policies

    func reload(tenant: String, succeeded: Bool) {
        Counter(
            label: "wicket_policy_reloads_total", dimensions: [("tenant", tenant), ("result", succeeded ? "success" : "failure")],
            factory: factory
        ).increment()
    }

    /// `wicket_policy_set_info{tenant, hash} 1` for the serving set; the previous hash's series is removed.
    func policySet(tenant: String, hash: String, previous: String?) {
        if let previous, previous != hash {
            Gauge(label: "wicket_policy_set_info", dimensions: [("tenant", tenant), ("hash", previous)], factory: factory).destroy()
        }
        Gauge(label: "wicket_policy_set_info", dimensions: [("tenant", tenant), ("hash", hash)], factory: factory).record(1)
    }

    // MARK: - Alerts

    func alertDelivered(tenant: String, alert: String, sink: String) {
        Counter(
            label: "wicket_alerts_delivered_total", dimensions: [("tenant", tenant), ("alert", alert), ("sink", sink)],
            factory: factory
        ).increment()
    }

    func alertFailed(tenant: String, alert: String, sink: String) {
        Counter(
            label: "wicket_alerts_failed_total", dimensions: [("tenant", tenant), ("alert", alert), ("sink", sink)],
            factory: factory
        ).increment()
    }

    func alertAbandoned(tenant: String, alert: String) {
        Counter(label: "wicket_alerts_abandoned_total", dimensions: [("tenant", tenant), ("alert", alert)], factory: factory)
            .increment()
    }

    // MARK: - Labels

    /// The MCP methods Wicket maps to Cedar actions, by bytes; anything else a client sends counts as `other`.
    static let knownMethods: Set<[UInt8]> = Set(
        CedarMapping.reservedActionIDs.subtracting(["session", "discovery"]).map { Array($0.utf8) })

    /// The same methods as labels, by their UTF-8 byte count: a method is found by its count, then
    /// compared by bytes with the few of that count (hashing it for a dictionary cost more than that,
    /// on every request). Exact: Swift's `String ==` would let a canonically equivalent spelling hit.
    static let knownMethodLabels: [[String]] = {
        let labels = knownMethods.map { String(decoding: $0, as: UTF8.self) }
        var byCount = [[String]](repeating: [], count: (labels.map(\.utf8.count).max() ?? 0) + 1)
        for label in labels { byCount[label.utf8.count].append(label) }
        return byCount
    }()

    static func methodLabel(_ method: String?) -> String {
        guard let method, !method.isEmpty else { return "none" }
        let count = method.utf8.count
        guard count < knownMethodLabels.count else { return "other" }
        for label in knownMethodLabels[count] where CodePoints.equal(label, method) { return label }
        return "other"
    }
}
