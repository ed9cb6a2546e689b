/// A request's entities: a few of its own over a shared ``EntityLayer`` over a store, answering
/// exactly as `LayeredEntityStore(base: base, overlay: layer's entities + own)` does, without building
/// that overlay's dictionaries on every request.
///
/// Why the answers are the same: lookups go own → layer → base, the overlay's precedence. A closed
/// layer's ancestors never leave the layer, so they are the overlay's as long as no own entity
/// replaces a layer entity; an own entity's ancestors are walked as the overlay walks them (an
/// entity whose one parent is in the layer reaches exactly that parent and its layer ancestors,
/// precomputed). When the layer is not closed, or an own entity replaces a layer entity, the layer
/// is rebuilt over this base with the own entities in it, which is the overlay itself.
public struct RequestEntities: EntityStore, Sendable {
    public let base: Entities
    private let layer: EntityLayer
    /// The request's own entities (later ones replace earlier ones with the same uid), their uids
    /// (scanned on every lookup, so kept apart: comparing a uid copies nothing) and their ancestors.
    private let ownUIDs: [EntityUID]
    private let ownEntities: [Entity]
    private let ownAncestors: [Set<EntityUID>]

    /// `own` over `layer` over `base`.
    public init(base: Entities, layer: EntityLayer, adding own: [Entity] = []) {
        self.base = base
        var unique = own
        // Rebuilt only when two share a uid (a request's action and resource never do): no copy otherwise.
        if own.count > 1, own.indices.contains(where: { k in own[(k + 1)...].contains { $0.uid == own[k].uid } }) {
            unique = []
            unique.reserveCapacity(own.count)
            for e in own {
                if let k = unique.firstIndex(where: { $0.uid == e.uid }) { unique[k] = e } else { unique.append(e) }
            }
        }
        var uids: [EntityUID] = []
        uids.reserveCapacity(unique.count)
        var replacesLayer = false
        for k in unique.indices {
            uids.append(unique[k].uid)
            if layer.entities[unique[k].uid] != nil { replacesLayer = true }
        }
        guard layer.isClosed, !replacesLayer else {
            // The overlay itself, worked out over this base (rare: no shared layer applies as it is).
            self.layer = EntityLayer(layer.list + own, over: base)
            (ownUIDs, ownEntities, ownAncestors) = ([], [], [])
            return
        }
        self.layer = layer
        var ancestors: [Set<EntityUID>] = []
        ancestors.reserveCapacity(unique.count)
        for k in unique.indices {
            let parents = unique[k].parents
            if parents.count == 1, let p = parents.first, !uids.contains(p), let reach = layer.reach[p] {
                ancestors.append(reach)
                continue
            }
            ancestors.append(
                EntityLayer.walk(parents, over: base) { uid in
                    if let j = uids.firstIndex(of: uid) { return unique[j] }
                    return layer.entities[uid]
                })
        }
        (ownUIDs, ownEntities, ownAncestors) = (uids, unique, ancestors)
    }

    /// The flat overlay of ``LayeredEntityStore``, for callers with a plain list of request entities.
    public init(base: Entities, overlay: [Entity]) {
        self.base = base
        layer = EntityLayer(overlay, over: base)
        (ownUIDs, ownEntities, ownAncestors) = ([], [], [])
    }

    @inline(__always)
    private func ownIndex(_ uid: EntityUID) -> Int? {
        for k in ownUIDs.indices where ownUIDs[k] == uid { return k }
        return nil
    }

    public func entity(_ uid: EntityUID) -> Entity? {
        if let k = ownIndex(uid) { return ownEntities[k] }
        return layer.entities[uid] ?? base.entity(uid)
    }

    public func isAncestor(_ ancestor: EntityUID, of uid: EntityUID) -> Bool {
        if let k = ownIndex(uid) { return ownAncestors[k].contains(ancestor) }
        if let a = layer.ancestors[uid] { return a.contains(ancestor) }
        return base.isAncestor(ancestor, of: uid)
    }

    public func ancestors(of uid: EntityUID) -> Set<EntityUID> {
        if let k = ownIndex(uid) { return ownAncestors[k] }
        return layer.ancestors[uid] ?? base.ancestors(of: uid)
    }

    public func attribute(_ name: String, of uid: EntityUID) -> Lookup {
        guard let attributes = layeredAttributes(of: uid) else { return base.attribute(name, of: uid) }
        guard let v = attributes[ExactString(name)] else { return .noSuchName }
        return .value(v)
    }

    public func attributes(of uid: EntityUID) -> [ExactString: Value]? {
        layeredAttributes(of: uid) ?? base.attributes(of: uid)
    }

    public func tag(_ name: String, of uid: EntityUID) -> Lookup {
        let tags: [ExactString: Value]
        if let k = ownIndex(uid) {
            tags = ownEntities[k].tags
        } else if let e = layer.entities[uid] {
            tags = e.tags
        } else {
            return base.tag(name, of: uid)
        }
        guard let v = tags[ExactString(name)] else { return .noSuchName }
        return .value(v)
    }

    /// The attributes of an own or layer entity; nil when the uid is the base's to answer.
    @inline(__always)
    private func layeredAttributes(of uid: EntityUID) -> [ExactString: Value]? {
        if let k = ownIndex(uid) { return ownEntities[k].attributes }
        return layer.entities[uid]?.attributes
    }
}
