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
public struct RequestEntities: EntityStore {
    public let base: Entities
    private let layer: EntityLayer
    /// The request's own entities (distinct uids: later ones replaced earlier ones) with their
    /// ancestors: the first two inline — a request has its tool's action and its resource, so nothing
    /// is allocated for them — and any more in `more` (scanned after them on every lookup).
    private let first: Own?
    private let second: Own?
    private let more: [Own]

    private struct Own {
        let uid: EntityUID
        let entity: Entity
        let ancestors: Set<EntityUID>
    }

    /// `own` over `layer` over `base`.
    public init(base: Entities, layer: EntityLayer, adding own: [Entity] = []) {
        if own.count <= 2 {
            self.init(base: base, layer: layer, adding: own.first, own.count == 2 ? own[1] : nil)
        } else {
            self.init(base: base, layer: layer, many: own)
        }
    }

    /// More than two own entities (no request has them; tests and other callers may).
    private init(base: Entities, layer: EntityLayer, many own: [Entity]) {
        var unique = own
        // Rebuilt only when two share a uid: no copy otherwise.
        if own.indices.contains(where: { k in own[(k + 1)...].contains { $0.uid == own[k].uid } }) {
            unique = []
            unique.reserveCapacity(own.count)
            for e in own {
                if let k = unique.firstIndex(where: { $0.uid == e.uid }) { unique[k] = e } else { unique.append(e) }
            }
        }
        self.base = base
        guard layer.isClosed, !unique.contains(where: { layer.entities[$0.uid] != nil }) else {
            // The overlay itself, worked out over this base (rare: no shared layer applies as it is).
            self.layer = EntityLayer(layer.list + own, over: base)
            (first, second, more) = (nil, nil, [])
            return
        }
        self.layer = layer
        let inside: (EntityUID) -> Entity? = { uid in unique.first { $0.uid == uid } }
        let all = unique.map { Own(uid: $0.uid, entity: $0, ancestors: Self.ancestors($0, own: inside, layer: layer, base: base)) }
        (first, second, more) = (all[0], all.count > 1 ? all[1] : nil, Array(all.dropFirst(2)))
    }

    /// `a` then `b` (either may be nil) over `layer` over `base`, as `init(base:layer:adding: [a, b])`
    /// answers, without an array: what a request lays over its upstream's layer (its tool's action
    /// and its resource).
    public init(base: Entities, layer: EntityLayer, adding a: Entity?, _ b: Entity?) {
        self.base = base
        // The same uid twice: the later replaces the earlier.
        let (x, y): (Entity?, Entity?) = if let a, let b, a.uid == b.uid { (b, nil) } else if a == nil { (b, nil) } else { (a, b) }
        let replacesLayer = x.map { layer.entities[$0.uid] != nil } ?? false || y.map { layer.entities[$0.uid] != nil } ?? false
        guard layer.isClosed, !replacesLayer else {
            self.layer = EntityLayer(layer.list + [x, y].compactMap { $0 }, over: base)
            (first, second, more) = (nil, nil, [])
            return
        }
        self.layer = layer
        let inside: (EntityUID) -> Entity? = { uid in
            if let x, x.uid == uid { return x }
            if let y, y.uid == uid { return y }
            return nil
        }
        first = x.map { Own(uid: $0.uid, entity: $0, ancestors: Self.ancestors($0, own: inside, layer: layer, base: base)) }
        second = y.map { Own(uid: $0.uid, entity: $0, ancestors: Self.ancestors($0, own: inside, layer: layer, base: base)) }
        more = []
    }

    /// An own entity's ancestors, walked as the overlay walks them: one whose one parent is a layer
    /// entity reaches exactly that parent and its layer ancestors, precomputed.
    private static func ancestors(
        _ entity: Entity, own: (EntityUID) -> Entity?, layer: EntityLayer, base: Entities
    ) -> Set<EntityUID> {
        let parents = entity.parents
        if parents.count == 1, let p = parents.first, own(p) == nil, let reach = layer.reach[p] { return reach }
        return EntityLayer.walk(parents, over: base) { uid in own(uid) ?? layer.entities[uid] }
    }

    /// The flat overlay of ``LayeredEntityStore``, for callers with a plain list of request entities.
    public init(base: Entities, overlay: [Entity]) {
        self.base = base
        layer = EntityLayer(overlay, over: base)
        (first, second, more) = (nil, nil, [])
    }

    /// The own entity with this uid (read in place: the optimizer borrows the inline slots).
    @inline(__always)
    private func withOwn<R>(_ uid: EntityUID, _ body: (borrowing Own) -> R) -> R? {
        if let f = first, f.uid == uid { return body(f) }
        if let s = second, s.uid == uid { return body(s) }
        for k in more.indices where more[k].uid == uid { return body(more[k]) }
        return nil
    }

    public func entity(_ uid: EntityUID) -> Entity? {
        if let e = withOwn(uid, { $0.entity }) { return e }
        return layer.entities[uid] ?? base.entity(uid)
    }

    public func isAncestor(_ ancestor: EntityUID, of uid: EntityUID) -> Bool {
        if let answer = withOwn(uid, { $0.ancestors.contains(ancestor) }) { return answer }
        if let a = layer.ancestors[uid] { return a.contains(ancestor) }
        return base.isAncestor(ancestor, of: uid)
    }

    public func ancestors(of uid: EntityUID) -> Set<EntityUID> {
        if let a = withOwn(uid, { $0.ancestors }) { return a }
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
        if let own = withOwn(uid, { $0.entity.tags }) {
            tags = own
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
        if let own = withOwn(uid, { $0.entity.attributes }) { return own }
        return layer.entities[uid]?.attributes
    }
}
