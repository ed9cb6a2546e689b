import Cedar
import WicketStore

/// What the audit says about each policy of one policy set — its id and annotations, and the
/// `context` paths its conditions read — worked out once when the set loads, not on every decision
/// (which found a policy by a linear search over the set, walked its conditions and sorted the paths,
/// for every determining policy of every request).
///
/// What invalidates it: nothing needs to. It is built from, and kept beside, the immutable set in the
/// same ``PolicySnapshot``; a reload builds a new snapshot, and with it a new one.
struct PolicyExplanations: Sendable {
    struct Entry: Sendable {
        let policy: AuditRecord.DeterminingPolicy
        /// The policy's non-empty context paths, in its own (sorted) order, with what a record needs
        /// of each, made once: its name (`context.time.hour`) and its keys as Cedar compares them.
        let reads: [Read]
        /// The paths alone.
        var paths: [[String]] { reads.map(\.path) }

        init(policy: AuditRecord.DeterminingPolicy, paths: [[String]]) {
            self.policy = policy
            reads = paths.map { Read(path: $0, name: "context." + $0.joined(separator: "."), keys: $0.map { ExactString($0) }) }
        }
    }

    /// One `context` path a policy's conditions read.
    struct Read: Sendable {
        let path: [String]
        let name: String
        let keys: [ExactString]
    }

    private let set: PolicySet
    /// Static and linked policies by id. A bucket holds the ids Swift's `String` hashing treats as
    /// equal; the one whose code points match is chosen, as `PolicySet.policy(id:)` does.
    private let byID: [String: [(id: String, entry: Entry)]]

    init(_ set: PolicySet) {
        self.set = set
        var byID: [String: [(id: String, entry: Entry)]] = [:]
        for policy in set.policies where !(byID[policy.id]?.contains { CodePoints.equal($0.id, policy.id) } ?? false) {
            byID[policy.id, default: []].append((policy.id, Self.entry(policy, id: policy.id)))
        }
        self.byID = byID
    }

    /// The entry of policy `id`, as `PolicySet.policy(id:)` would find it; nil when the set has none.
    func entry(id: String) -> Entry? {
        if let found = byID[id]?.first(where: { CodePoints.equal($0.id, id) }) { return found.entry }
        return set.templates[ExactString(id)].map { Self.entry($0, id: id) }
    }

    static func entry(_ policy: Policy, id: String) -> Entry {
        var annotations: [String: String] = [:]
        for annotation in policy.annotations { annotations[annotation.key] = annotation.value }
        return Entry(policy: .init(id: id, annotations: annotations), paths: policy.contextPaths.filter { !$0.isEmpty })
    }
}
