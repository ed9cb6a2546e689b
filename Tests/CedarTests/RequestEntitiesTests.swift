import Testing
import WicketTestSupport

@testable import Cedar

/// ``RequestEntities`` (own entities over a shared layer over a store) must answer every question
/// exactly as the flat ``LayeredEntityStore`` over the same entities does: random graphs with
/// cycles, layers that are closed and layers that are not, own entities that replace layer ones.
@Suite("Request entities")
struct RequestEntitiesTests {
    static let pool: [EntityUID] = ["A", "B", "C"].flatMap { t in (0..<4).map { EntityUID(t, "\($0)") } }

    static func entity(_ rng: inout SplitMix, from candidates: [EntityUID]) -> Entity {
        let uid = candidates.randomElement(using: &rng) ?? pool[0]
        var parents: Set<EntityUID> = []
        for _ in 0..<Int.random(in: 0...2, using: &rng) { parents.insert(pool.randomElement(using: &rng) ?? pool[0]) }
        let n = Int.random(in: 0...9, using: &rng)
        return Entity(uid: uid, attributes: ["n": .long(Int64(n))], parents: parents, tags: n.isMultiple(of: 2) ? ["t": .long(1)] : [:])
    }

    /// Checks every question for every uid of the pool; returns how many stores disagreed.
    static func disagreements(_ a: some EntityStore, _ b: some EntityStore) -> Int {
        var bad = 0
        for u in pool {
            if a.entity(u) != b.entity(u) || a.ancestors(of: u) != b.ancestors(of: u) || a.attributes(of: u) != b.attributes(of: u) {
                bad += 1
            }
            if "\(a.attribute("n", of: u))" != "\(b.attribute("n", of: u))" || "\(a.tag("t", of: u))" != "\(b.tag("t", of: u))" {
                bad += 1
            }
            for v in pool where a.isAncestor(v, of: u) != b.isAncestor(v, of: u) { bad += 1 }
        }
        return bad
    }

    @Test func answersAsTheFlatOverlayOnRandomGraphs() {
        var rng = SplitMix(state: 11)
        var closedLayers = 0
        var fastPaths = 0
        for _ in 0..<1500 {
            let base = Entities((0..<Int.random(in: 0...8, using: &rng)).map { _ in Self.entity(&rng, from: Self.pool) })
            // Layers drawn from a few uids, so some are closed (every parent inside) and some are not.
            let layerUIDs = Array(Self.pool.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng)))
            var layerList = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Self.entity(&rng, from: layerUIDs) }
            if Bool.random(using: &rng) {
                layerList = layerList.map {
                    Entity(uid: $0.uid, attributes: $0.attributes, parents: $0.parents.filter { layerUIDs.contains($0) })
                }
            }
            let own = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                var e = Self.entity(&rng, from: Self.pool)
                if Bool.random(using: &rng), let p = layerUIDs.randomElement(using: &rng) { e.parents = [p] }
                return e
            }
            let layer = EntityLayer(layerList)
            if layer.isClosed { closedLayers += 1 }
            if layer.isClosed && !own.contains(where: { e in layerList.contains { $0.uid == e.uid } }) { fastPaths += 1 }
            let fast = RequestEntities(base: base, layer: layer, adding: own)
            let flat = LayeredEntityStore(base: base, overlay: layerList + own)
            #expect(Self.disagreements(fast, flat) == 0, "layer \(layerList) own \(own) base \(base.all)")
            #expect(Self.disagreements(RequestEntities(base: base, overlay: layerList + own), flat) == 0)
        }
        // The draw exercised both the shared-layer path and the rebuilt one.
        #expect(closedLayers > 300 && fastPaths > 300 && fastPaths < 1400)
    }

    @Test func aClosedLayerIsSharedAndItsAncestorsDoNotDependOnTheBase() {
        let group = EntityUID("Action", "session")
        let ping = EntityUID("Action", "ping")
        let layer = EntityLayer([Entity(uid: ping, parents: [group]), Entity(uid: group)])
        #expect(layer.isClosed)
        // A base that gives the group a parent of its own: the layer's group replaces it, as in the overlay.
        let base = Entities([Entity(uid: group, parents: [EntityUID("Action", "all")]), Entity(uid: EntityUID("Action", "all"))])
        let store = RequestEntities(base: base, layer: layer)
        #expect(store.ancestors(of: ping) == [group])
        #expect(!store.isAncestor(EntityUID("Action", "all"), of: ping))
        #expect(
            store.ancestors(of: ping)
                == LayeredEntityStore(base: base, overlay: [Entity(uid: ping, parents: [group]), Entity(uid: group)]).ancestors(of: ping))
    }

    @Test func anOwnEntityOverALayerParentReachesThatParentsAncestors() {
        let server = EntityUID("Server", "db")
        let call = EntityUID("Action", "tools/call")
        let layer = EntityLayer([Entity(uid: server, attributes: ["name": .string("db")]), Entity(uid: call)])
        let tool = Entity(uid: EntityUID("Action", "query"), parents: [call])
        let resource = Entity(uid: EntityUID("Resource", "t"), attributes: ["server": .string("db")], parents: [server])
        let store = RequestEntities(base: Entities(), layer: layer, adding: [tool, resource])
        #expect(store.isAncestor(call, of: tool.uid) && store.isAncestor(server, of: resource.uid))
        #expect(!store.isAncestor(server, of: tool.uid))
        guard case .value(.string("db")) = store.attribute("name", of: server) else {
            Issue.record("the layer's server attribute is not read")
            return
        }
    }
}
