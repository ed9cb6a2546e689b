import CoreMetrics
import Foundation

/// The counters and timers a decision touches, each made once per label set and then reused: making
/// a swift-metrics handle asks the backend's registry (a lock, the label array, its hashing) on every
/// call, and every request records five or more.
///
/// Nothing invalidates an entry: the handles cached here (decision, determination and alert counters,
/// the two duration timers) are never destroyed, and their label values come from the configuration
/// and the policy files, so the set is bounded by what the operator wrote (WicketMetrics.swift). Label
/// values are compared by their UTF-8 bytes, so two policy ids that differ only in Unicode
/// normalisation keep separate series.
final class MetricHandles: @unchecked Sendable {
    // @unchecked Sendable: the dictionaries are only touched under `lock`; handles are thread-safe.
    private let lock = NSLock()
    private var counters: [LabelValues: Counter] = [:]
    private var timers: [LabelValues: CoreMetrics.Timer] = [:]

    func counter(_ values: LabelValues, _ names: [String], factory: any MetricsFactory) -> Counter {
        lock.lock()
        defer { lock.unlock() }
        if let found = counters[values] { return found }
        let made = Counter(label: values.label, dimensions: values.dimensions(names), factory: factory)
        counters[values] = made
        return made
    }

    func timer(_ values: LabelValues, _ names: [String], factory: any MetricsFactory) -> CoreMetrics.Timer {
        lock.lock()
        defer { lock.unlock() }
        if let found = timers[values] { return found }
        let made = CoreMetrics.Timer(label: values.label, dimensions: values.dimensions(names), factory: factory)
        timers[values] = made
        return made
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
        lhs.count == rhs.count && lhs.label.utf8.elementsEqual(rhs.label.utf8)
            && lhs.values.0.utf8.elementsEqual(rhs.values.0.utf8) && lhs.values.1.utf8.elementsEqual(rhs.values.1.utf8)
            && lhs.values.2.utf8.elementsEqual(rhs.values.2.utf8) && lhs.values.3.utf8.elementsEqual(rhs.values.3.utf8)
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
