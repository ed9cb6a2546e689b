import Cedar
import WicketStore

/// Why a decision came out as it did, in the audit's words: the determining policies with their
/// annotations, and the context values their conditions read (`context.time.hour = 3`).
struct DecisionExplanation: Sendable {
    let policies: [AuditRecord.DeterminingPolicy]
    let contextValues: [AuditRecord.ContextValue]

    /// `explained`: the set's entries worked out at load (PolicyExplanations.swift); nil works them out here.
    /// `__shared` (borrowed): an owned argument read out of the shared snapshot is a copy of the
    /// snapshot on every decision.
    init(
        policyIDs: [String], in set: __shared PolicySet, explained: __shared PolicyExplanations? = nil,
        context: __shared [ExactString: Value]
    ) {
        var policies: [AuditRecord.DeterminingPolicy] = []
        policies.reserveCapacity(policyIDs.count)
        var reads: [PolicyExplanations.Read] = []
        // Code-point order: ids that differ only in Unicode normalisation keep one order, not the input's.
        for id in policyIDs.count > 1 ? policyIDs.sorted(by: CodePoints.less) : policyIDs {
            let entry: PolicyExplanations.Entry
            if let explained {
                guard let found = explained.entry(id: id) else { continue }
                entry = found
            } else {
                guard let policy = set.policy(id: id) else { continue }
                entry = PolicyExplanations.entry(policy, id: id)
            }
            policies.append(entry.policy)
            reads += entry.reads
        }
        self.policies = policies
        if policies.count > 1 {
            // One policy's paths are already distinct (`Policy.contextPaths`); several may share some.
            // By code points, as Cedar compares record keys (a `Set<[String]>` would merge `"é"`
            // spelled U+00E9 with `"e\u{301}"`, and one of the two values would go unrecorded).
            var seen = Set<[ExactString]>()
            reads = reads.filter { seen.insert($0.keys).inserted }
        }
        contextValues = reads.map { read in
            AuditRecord.ContextValue(
                name: read.name, value: ContextReads.lookup(read.keys, in: context).map(ValueText.render) ?? "(absent)")
        }
    }
}

/// Reads a `context.a.b` path's value out of the context record.
enum ContextReads {
    /// The value at the path's keys, made once per policy (``PolicyExplanations/Read``); nil when absent.
    static func lookup(_ keys: [ExactString], in context: [ExactString: Value]) -> Value? {
        guard let first = keys.first, var value = context[first] else { return nil }
        for key in keys.dropFirst() {
            guard case .record(let fields) = value, let next = fields[key] else { return nil }
            value = next
        }
        return value
    }
}

/// Short human text for a Cedar value in audit lines: `3`, `"US"`, `203.0.113.42`.
enum ValueText {
    static func render(_ value: Value) -> String {
        switch value {
        case .bool(let b): return b ? "true" : "false"
        case .long(let n): return String(n)
        case .string(let s): return "\"\(CedarString.escape(s))\""
        case .entity(let uid): return uid.description
        case .set(let items): return "[" + items.map(render).sorted(by: CodePoints.less).joined(separator: ", ") + "]"
        case .record(let fields):
            return "{" + fields.keys.sorted().map { "\($0): \(fields[$0].map(render) ?? "")" }.joined(separator: ", ") + "}"
        case .ext(.ipaddr(let ip)):
            // A single address reads as one (`203.0.113.42`), a range keeps its prefix.
            let text = ip.description
            for host in ["/32", "/128"] where text.hasSuffix(host) { return String(text.dropLast(host.count)) }
            return text
        case .ext(.decimal(let d)): return d.description
        case .ext(.duration(let d)): return d.description
        case .ext(.datetime(let t)): return RequestTime.utcLiteral(microseconds: t.epochMilliseconds * 1000)
        }
    }
}
