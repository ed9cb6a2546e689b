/// Why a list of entities cannot form a store.
public struct EntityGraphError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The same uid appears twice with different attributes, parents or tags.
        case duplicateEntity
        /// Following parents from an entity leads back to it.
        case cycle
    }
    public let code: Code
    public let message: String
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

extension Entities {
    /// Builds the store the way the Rust engine does, refusing what it refuses: the same uid listed
    /// twice with different contents (identical repeats are merged), and any cycle in the parents.
    public init<S: Sequence>(checking entities: S) throws(EntityGraphError) where S.Element == Entity {
        var map: [EntityUID: Entity] = [:]
        for e in entities {
            if let earlier = map[e.uid] {
                if earlier != e { throw EntityGraphError(.duplicateEntity, "duplicate entity entry `\(e.uid)`") }
                continue
            }
            map[e.uid] = e
        }
        if let uid = Entities.someVertexOnACycle(map) {
            throw EntityGraphError(.cycle, "the entity hierarchy has a cycle containing `\(uid)`")
        }
        self.init(map.values)
    }

    /// Kahn's algorithm over child → parent edges between entities in `map`: whatever cannot be
    /// peeled off lies on (or above) a cycle; the smallest such uid is reported for a stable message.
    static func someVertexOnACycle(_ map: [EntityUID: Entity]) -> EntityUID? {
        var pendingChildren: [EntityUID: Int] = [:]
        for e in map.values {
            for p in e.parents where map[p] != nil { pendingChildren[p, default: 0] += 1 }
        }
        var ready = map.keys.filter { pendingChildren[$0, default: 0] == 0 }
        var removed = 0
        while let uid = ready.popLast() {
            removed += 1
            for p in map[uid]?.parents ?? [] where map[p] != nil {
                let left = (pendingChildren[p] ?? 1) - 1
                pendingChildren[p] = left
                if left == 0 { ready.append(p) }
            }
        }
        guard removed < map.count else { return nil }
        return map.keys.filter { (pendingChildren[$0] ?? 0) > 0 }.min()
    }
}
