/// An immutable entity store with transitive ancestors computed once at construction.
public struct Entities: EntityStore, Sendable {
    /// Entities are boxed so a lookup retains one object instead of copying four fields.
    final class Box: Sendable {
        let entity: Entity
        init(_ e: Entity) { entity = e }
    }
    private var byUID: [EntityUID: Box]
    private var closure: [EntityUID: Set<EntityUID>]

    /// Builds the store; later entities with the same uid replace earlier ones.
    public init<S: Sequence>(_ entities: S) where S.Element == Entity {
        var map: [EntityUID: Entity] = [:]
        for e in entities { map[e.uid] = e }
        byUID = map.mapValues { Box($0) }
        closure = Entities.transitiveClosure(map)
    }

    public init() {
        byUID = [:]
        closure = [:]
    }

    /// All entities, in no particular order.
    public var all: [Entity] { byUID.values.map(\.entity) }

    public var count: Int { byUID.count }

    public func entity(_ uid: EntityUID) -> Entity? { byUID[uid]?.entity }

    public func attribute(_ name: String, of uid: EntityUID) -> Lookup {
        guard let b = byUID[uid] else { return .noSuchEntity }
        guard let v = b.entity.attributes[ExactString(name)] else { return .noSuchName }
        return .value(v)
    }

    public func attributes(of uid: EntityUID) -> [ExactString: Value]? { byUID[uid]?.entity.attributes }

    public func tag(_ name: String, of uid: EntityUID) -> Lookup {
        guard let b = byUID[uid] else { return .noSuchEntity }
        guard let v = b.entity.tags[ExactString(name)] else { return .noSuchName }
        return .value(v)
    }

    public func isAncestor(_ ancestor: EntityUID, of uid: EntityUID) -> Bool {
        closure[uid]?.contains(ancestor) ?? false
    }

    public func ancestors(of uid: EntityUID) -> Set<EntityUID> { closure[uid] ?? [] }

    /// Returns a store with `more` added (replacing same-uid entities), recomputing ancestors.
    public func adding<S: Sequence>(_ more: S) -> Entities where S.Element == Entity {
        var map = byUID.mapValues(\.entity)
        for e in more { map[e.uid] = e }
        return Entities(map.values)
    }

    /// Iterative DFS with memoisation; cycles are tolerated (an entity may end up its own ancestor).
    static func transitiveClosure(_ map: [EntityUID: Entity]) -> [EntityUID: Set<EntityUID>] {
        var result: [EntityUID: Set<EntityUID>] = [:]
        result.reserveCapacity(map.count)
        for (uid, _) in map where result[uid] == nil {
            // Explicit stack to bound recursion on deep hierarchies.
            var stack: [(EntityUID, Bool)] = [(uid, false)]
            var onStack: Set<EntityUID> = []
            while let (node, expanded) = stack.popLast() {
                if expanded {
                    var acc: Set<EntityUID> = []
                    for p in map[node]?.parents ?? [] {
                        acc.insert(p)
                        if let pa = result[p] { acc.formUnion(pa) }
                    }
                    result[node] = acc
                    onStack.remove(node)
                    continue
                }
                if result[node] != nil || onStack.contains(node) { continue }
                onStack.insert(node)
                stack.append((node, true))
                for p in map[node]?.parents ?? [] where result[p] == nil && !onStack.contains(p) {
                    stack.append((p, false))
                }
            }
        }
        // Fix-up pass for cycles: iterate until stable (rare; cycles are unusual in entity data).
        var changed = true
        var rounds = 0
        while changed && rounds < 64 {
            changed = false
            rounds += 1
            for (uid, anc) in result {
                var acc = anc
                for a in anc { if let more = result[a] { acc.formUnion(more) } }
                if acc.count != anc.count {
                    result[uid] = acc
                    changed = true
                }
            }
        }
        return result
    }
}

/// Per-request entities layered over a shared store without copying it.
public struct LayeredEntityStore<Base: EntityStore>: EntityStore {
    public let base: Base
    private let overlay: [EntityUID: Entity]
    private let overlayAncestors: [EntityUID: Set<EntityUID>]

    /// Overlay entities shadow base entities with the same uid.
    public init(base: Base, overlay: [Entity]) {
        self.base = base
        var map: [EntityUID: Entity] = [:]
        for e in overlay { map[e.uid] = e }
        self.overlay = map
        var anc: [EntityUID: Set<EntityUID>] = [:]
        // Overlay entities' ancestors: parents, their overlay ancestors, and base ancestors.
        for uid in map.keys {
            var seen: Set<EntityUID> = []
            var work = Array(map[uid]?.parents ?? [])
            while let p = work.popLast() {
                if !seen.insert(p).inserted { continue }
                if let pe = map[p] {
                    work.append(contentsOf: pe.parents)
                } else {
                    seen.formUnion(base.ancestors(of: p))
                }
            }
            anc[uid] = seen
        }
        overlayAncestors = anc
    }

    public func entity(_ uid: EntityUID) -> Entity? { overlay[uid] ?? base.entity(uid) }

    public func isAncestor(_ ancestor: EntityUID, of uid: EntityUID) -> Bool {
        if let a = overlayAncestors[uid] { return a.contains(ancestor) }
        return base.isAncestor(ancestor, of: uid)
    }

    public func ancestors(of uid: EntityUID) -> Set<EntityUID> {
        overlayAncestors[uid] ?? base.ancestors(of: uid)
    }
}
