/// A few entities with their transitive ancestors worked out once, to lay over a store
/// (see ``RequestEntities``) without building a dictionary per request.
///
/// A layer is *closed* when every parent of every entity in it is itself in the layer: then no
/// ancestor can come from the store below, so the ancestors computed here are right over any store,
/// and one layer (an upstream's server with a method's action and group, say) can be built once and
/// shared by every request. A layer that is not closed is only right over the store it was computed
/// against; ``RequestEntities`` recomputes such a layer over its own base.
public final class EntityLayer: Sendable {
    /// The entities by uid (later entries of the list replace earlier ones with the same uid).
    let entities: [EntityUID: Entity]
    /// Each entity's transitive ancestors, exactly as ``LayeredEntityStore`` computes them.
    let ancestors: [EntityUID: Set<EntityUID>]
    /// `{uid} ∪ ancestors[uid]`: the ancestors of a new entity whose only parent is `uid`.
    let reach: [EntityUID: Set<EntityUID>]
    /// Every parent lies inside the layer (its ancestors do not depend on a base store).
    public let isClosed: Bool
    /// The list the layer was built from, to rebuild it with more entities.
    let list: [Entity]

    /// Builds a layer from `entities`; when it is not closed, its ancestors are those over an empty store.
    public convenience init(_ entities: [Entity]) {
        self.init(entities, over: Entities())
    }

    /// The layer over `base`: the ancestors ``LayeredEntityStore/init(base:overlay:)`` would compute.
    init<Base: EntityStore>(_ entities: [Entity], over base: Base) {
        list = entities
        var map: [EntityUID: Entity] = [:]
        for e in entities { map[e.uid] = e }
        self.entities = map
        ancestors = EntityLayer.closure(of: map, over: base)
        var reach: [EntityUID: Set<EntityUID>] = [:]
        for (uid, anc) in ancestors {
            var r = anc
            r.insert(uid)
            reach[uid] = r
        }
        self.reach = reach
        isClosed = map.values.allSatisfy { $0.parents.allSatisfy { map[$0] != nil } }
    }

    /// The overlay walk of ``LayeredEntityStore``: parents inside `map` are followed, parents outside
    /// contribute their ancestors in `base`.
    static func closure<Base: EntityStore>(of map: [EntityUID: Entity], over base: Base) -> [EntityUID: Set<EntityUID>] {
        var anc: [EntityUID: Set<EntityUID>] = [:]
        for (uid, entity) in map {
            anc[uid] = walk(entity.parents, over: base) { map[$0] }
        }
        return anc
    }

    /// The ancestors reached from `parents`, following `inside` and asking `base` for the rest.
    @inline(__always)
    static func walk<Base: EntityStore>(
        _ parents: Set<EntityUID>, over base: Base, inside: (EntityUID) -> Entity?
    ) -> Set<EntityUID> {
        var seen: Set<EntityUID> = []
        var work = Array(parents)
        while let p = work.popLast() {
            if !seen.insert(p).inserted { continue }
            if let pe = inside(p) {
                work.append(contentsOf: pe.parents)
            } else {
                seen.formUnion(base.ancestors(of: p))
            }
        }
        return seen
    }
}
