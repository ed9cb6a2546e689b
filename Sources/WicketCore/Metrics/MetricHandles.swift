import Cedar
import CoreMetrics
import Foundation

/// The counters and timers a decision touches, each made once per label set and then reused: making
/// a swift-metrics handle asks the backend's registry (a lock, the label array, its hashing) on every
/// call, and every request records five or more. Grouped by tenant (`TenantMetricHandles`).
///
/// Nothing invalidates an entry: the handles cached here (decision, determination and alert counters,
/// the two duration timers) are never destroyed, and their label values come from the configuration
/// and the policy files, so the set is bounded by what the operator wrote (WicketMetrics.swift). Label
/// values are compared by their UTF-8 bytes, so two policy ids that differ only in Unicode
/// normalisation keep separate handles (the Prometheus registry behind them keys its series by
/// `String`, though, and reports the two as one series).
final class MetricHandles: @unchecked Sendable {
    // @unchecked Sendable: the dictionary is only touched under `lock`; `TenantMetricHandles` is thread-safe.
    private let lock = NSLock()
    private var tenants: [LabelValues: TenantMetricHandles] = [:]

    /// `tenant`'s handles, made on its first request.
    func tenant(_ tenant: String, factory: any MetricsFactory) -> TenantMetricHandles {
        let key = LabelValues("", tenant, count: 1)
        lock.lock()
        defer { lock.unlock() }
        if let found = tenants[key] { return found }
        let made = TenantMetricHandles(tenant: tenant, factory: factory)
        tenants[key] = made
        return made
    }
}

/// One tenant's per-request handles: its two duration timers, made with it, and its decision,
/// determination and alert counters, made on first use. A request finds them with one lookup of
/// its tenant and takes one lock for all its counters (it took a lock, built a label array and
/// hashed every label value once per metric before). Keys leave the tenant out: it is the same for
/// every handle here.
final class TenantMetricHandles: @unchecked Sendable {
    // @unchecked Sendable: `counters` is only touched under `lock`; handles are thread-safe.
    let tenant: String
    let decisionDuration: CoreMetrics.Timer
    let commitDuration: CoreMetrics.Timer
    private let factory: any MetricsFactory
    private let lock = NSLock()
    private var counters: [LabelValues: Counter] = [:]
    /// The counter each kind found last, by `Kind.rawValue - 1`: a tenant's requests mostly repeat one
    /// label set (the same server, method and decision; the same policy), and comparing with the last
    /// key — by its bytes, usually two integer compares for the very same strings — skips hashing it
    /// and probing `counters`. Exact: a key's counter is the one `counters` holds for it, made once and
    /// never replaced, and a different key falls through to `counters`. Bounded: one entry per kind.
    /// Each entry is an object: the check reads its key in place (an optional tuple entry was copied
    /// whole, a retain and a release per label value, on every look). Unchecked exclusivity: only
    /// touched under `lock`, and the runtime's dynamic check cost as much as the compare.
    @exclusivity(unchecked) private var lastFound: [Found?] = [nil, nil, nil]

    private final class Found {
        let key: LabelValues
        let counter: Counter
        init(_ key: LabelValues, _ counter: Counter) {
            self.key = key
            self.counter = counter
        }
    }

    init(tenant: String, factory: any MetricsFactory) {
        self.tenant = tenant
        self.factory = factory
        decisionDuration = CoreMetrics.Timer(label: "wicket_decision_duration_seconds", dimensions: [("tenant", tenant)], factory: factory)
        commitDuration = CoreMetrics.Timer(
            label: "wicket_audit_commit_duration_seconds", dimensions: [("tenant", tenant)], factory: factory)
    }

    /// Runs `body` with the counter lookup, under the lock (a request's counters in one go). A key is
    /// its label values alone: each metric here has its own number of them (`Kind`), which the key
    /// holds, so the metric's name need not be hashed on every lookup.
    func withCounters(_ body: (_ counter: (Kind, LabelValues) -> Counter) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body { kind, values in
            let slot = kind.rawValue - 1
            if let last = lastFound[slot], last.key == values { return last.counter }
            let counter: Counter
            if let found = counters[values] {
                counter = found
            } else {
                counter = Counter(label: kind.label, dimensions: [("tenant", tenant)] + values.dimensions(kind.names), factory: factory)
                counters[values] = counter
            }
            lastFound[slot] = Found(values, counter)
            return counter
        }
    }

    /// The counters a request touches, by their number of label values (besides the tenant).
    enum Kind: Int {
        case alert = 1
        case determination = 2
        case decision = 3

        var label: String {
            switch self {
            case .decision: "wicket_decisions_total"
            case .determination: "wicket_policy_determinations_total"
            case .alert: "wicket_alerts_queued_total"
            }
        }

        var names: [String] {
            switch self {
            case .decision: ["server", "method", "decision"]
            case .determination: ["policy", "decision"]
            case .alert: ["alert"]
            }
        }
    }
}

/// A metric name and up to four label values, hashed and compared by their UTF-8 bytes.
struct LabelValues: Hashable, Sendable {
    let label: String
    let values: (String, String, String, String)
    let count: Int

    init(_ label: String, _ a: String, _ b: String = "", _ c: String = "", _ d: String = "", count: Int) {
        self.label = label
        values = (a, b, c, d)
        self.count = count
    }

    func dimensions(_ names: [String]) -> [(String, String)] {
        Array(zip(names, [values.0, values.1, values.2, values.3].prefix(count)))
    }

    static func == (lhs: LabelValues, rhs: LabelValues) -> Bool {
        lhs.count == rhs.count && CodePoints.equal(lhs.label, rhs.label)
            && CodePoints.equal(lhs.values.0, rhs.values.0) && CodePoints.equal(lhs.values.1, rhs.values.1)
            && CodePoints.equal(lhs.values.2, rhs.values.2) && CodePoints.equal(lhs.values.3, rhs.values.3)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        Self.mix(label, into: &hasher)
        Self.mix(values.0, into: &hasher)
        Self.mix(values.1, into: &hasher)
        Self.mix(values.2, into: &hasher)
        Self.mix(values.3, into: &hasher)
    }

    private static func mix(_ text: String, into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in text.utf8 { hasher.combine(byte) } }
    }
}
