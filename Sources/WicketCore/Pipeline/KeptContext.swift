import Cedar
import WicketGeo

/// Parts of a request's Cedar `context` made once and kept where what they depend on lives, so a
/// request does not build them again: `source_ip` and `geo` with the client address's GeoIP answer
/// (``GeoAnswerCache``), `time` for one millisecond with the tenant's clock (``LocalTimeCache``).
///
/// Each part carries the facts it was made from, and ``ContextFacts/cedarContext()`` uses it only when
/// those facts are byte for byte the request's own (else it builds the part as before): a part given
/// with the wrong request can cost a rebuild, never a different context.
struct KeptContext: Sendable {
    var time: TimeContext?
    var address: AddressContext?

    init(time: TimeContext? = nil, address: AddressContext? = nil) {
        self.time = time
        self.address = address
    }
}

/// `context.source_ip` and `context.geo` of one client address and its GeoIP answer.
///
/// What invalidates it: the GeoIP database. It is kept beside the answer it was made from, in the
/// database's own ``GeoAnswerCache``; a reload (SIGHUP after geoipupdate) swaps in a new cache, so the
/// next request's part is made from the new database's answer. Nothing else feeds it: the address
/// text is the key. A class: a request reads it from the cache and hands it on with one retain.
final class AddressContext: Sendable {
    let address: String
    let geo: (country: String?, region: String?, city: String?)
    /// `.ext(.ipaddr)`, made by the same parse as a request's.
    let sourceIP: Value
    /// The `geo` record, made by ``ContextFacts/geoRecord(_:)``.
    let geoRecord: Value

    /// Nil when `address` is not an IP address (the request is then refused, as before).
    init?(address: String, location: GeoLocation?) {
        guard let ip = IPAddr(parsing: address) else { return nil }
        self.address = address
        geo = (location?.country, location?.region, location?.city)
        sourceIP = .ext(.ipaddr(ip))
        geoRecord = ContextFacts.geoRecord(geo)
    }

    /// Whether this part is the one `facts` would build: the same address and geo, compared as bytes.
    func answers(_ facts: ContextFacts) -> Bool {
        CodePoints.equal(address, facts.sourceIP) && Self.same(geo.country, facts.geo.country)
            && Self.same(geo.region, facts.geo.region) && Self.same(geo.city, facts.geo.city)
    }

    static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return CodePoints.equal(x, y)
        default: return false
        }
    }
}

/// `context.time` for one millisecond of one time zone's clock.
///
/// What invalidates it: the clock. The record is a function of the millisecond and of the local hour,
/// minute, weekday and date (``RequestTime``), all of which it keeps and compares; the next
/// millisecond (or another zone's facts for the same one) makes a new record. A class, as
/// ``AddressContext`` is: one retain per request instead of one per field.
final class TimeContext: Sendable {
    let millisecond: Int64
    let hour: Int
    let minute: Int
    let weekday: Int
    let date: String
    /// The `time` record, made by ``ContextFacts/timeRecord(_:)``.
    let record: Value

    init(_ time: RequestTime) {
        millisecond = ContextFacts.millisecond(of: time)
        hour = time.hour
        minute = time.minute
        weekday = time.weekday
        date = time.date
        record = ContextFacts.timeRecord(time)
    }

    /// Whether this record is the one `time` would build.
    func answers(_ time: RequestTime) -> Bool {
        millisecond == ContextFacts.millisecond(of: time) && hour == time.hour && minute == time.minute
            && weekday == time.weekday && CodePoints.equal(date, time.date)
    }
}

/// What one message's Cedar request is apart from its context, for one member on one upstream: the
/// principal, action and resource, the request's entity store over the tenant's entities, the policies
/// whose scope matches (enforced and shadow sets), and the context shapes the schema admits. Made by
/// ``Verdict`` on the first such message and kept in the snapshot's ``KeptRequests``, so the next one
/// builds none of it.
///
/// Why it is exact: every part is a function of the key (the mapping object, the member's bytes, the
/// method's, the target's kind and bytes, the mapped resource's) and of the snapshot it is kept in
/// (policies, entities, schema), nothing else: the context enters only the conditions, which are
/// evaluated per request. What invalidates it: a reload builds a new snapshot with an empty
/// ``KeptRequests``, used from the next request on; a mapping rebuilt by a configuration change is
/// another object, so another key.
final class KeptRequest: Sendable {
    let key: KeptRequestKey
    let principal: EntityUID
    let action: EntityUID
    let resource: EntityUID
    let store: RequestEntities
    let enforced: ScopedPolicies
    let shadow: ScopedPolicies?
    /// ``ToolSurface/admittedShapes(request:facts:namespace:)``; all shapes when the tenant has no schema.
    let admittedShapes: UInt16
    /// The explanation of the enforced set's fixed response (``ScopedPolicies/fixed``) with the policy ids
    /// it was made for, when it reads no context value (then it is the same for every context).
    let fixedExplanation: (determining: [String], explanation: DecisionExplanation)?

    init(_ key: KeptRequestKey, snapshot: PolicySnapshot) {
        let mapping = key.mapping
        let base = snapshot.entitiesByNamespace[mapping.namespace] ?? Entities()
        let (action, resource, store) = mapping.resolve(key.facts, over: base)
        let principal = mapping.principal(member: key.member)
        self.key = key
        self.principal = principal
        self.action = action
        self.resource = resource
        self.store = store
        enforced = snapshot.enforced.scoped(principal: principal, action: action, resource: resource, entities: store)
        shadow = snapshot.shadow?.scoped(principal: principal, action: action, resource: resource, entities: store)
        if let surface = snapshot.toolSurface {
            let request = Request(principal: principal, action: action, resource: resource)
            admittedShapes = surface.admittedShapes(request: request, facts: key.facts, namespace: mapping.namespace)
        } else {
            admittedShapes = 0xFFFF
        }
        if let fixed = enforced.fixed {
            let determining = Verdict.determining(fixed)
            let made = DecisionExplanation(
                policyIDs: determining, in: snapshot.enforced, explained: snapshot.explained, context: [:])
            // No context path read: the same explanation for every context.
            fixedExplanation = made.contextValues.isEmpty ? (determining, made) : nil
        } else {
            fixedExplanation = nil
        }
    }

    /// The explanation of `determining` (the enforced response's determining policies) when it was
    /// made once, else nil. Compared by code points: an id in another normalisation is another policy.
    func explanation(of determining: [String]) -> DecisionExplanation? {
        guard let fixed = fixedExplanation, fixed.determining.count == determining.count,
            zip(fixed.determining, determining).allSatisfy({ CodePoints.equal($0, $1) })
        else { return nil }
        return fixed.explanation
    }

    /// `enforced.authorize` of `request` (this key's, with a context) over the kept entities and scope.
    /// A method, so the store is read in place from `self` rather than copied out for the call.
    func authorize(_ request: Request, by enforced: PolicySet) -> Response {
        enforced.authorize(request, entities: store, scoped: self.enforced)
    }

    /// The same for the shadow set (the whole index when it was not scoped).
    func authorizeShadow(_ request: Request, by shadow: PolicySet) -> Response {
        if let scoped = self.shadow { return shadow.authorize(request, entities: store, scoped: scoped) }
        return shadow.authorize(request, entities: store)
    }

    /// Whether the schema admits a context of `shape` (no ``ToolSurface/problem(request:facts:namespace:shape:)``).
    func admits(_ shape: ContextShape) -> Bool { admittedShapes & (1 << UInt16(shape.bits)) != 0 }
}

/// A ``KeptRequest``'s key: the mapping by identity (it is immutable, and the entry holds it, so the
/// identity cannot be reused while the entry lives) and the texts by their bytes (code points), never
/// by Swift's `String ==`, which would let a canonically equivalent member or tool name share an entry.
struct KeptRequestKey: Hashable, Sendable {
    let mapping: CedarMapping
    let member: String
    let facts: MessageFacts

    static func == (a: KeptRequestKey, b: KeptRequestKey) -> Bool {
        guard a.mapping === b.mapping, CodePoints.equal(a.member, b.member), CodePoints.equal(a.facts.method, b.facts.method)
        else { return false }
        switch (a.facts.mappedResource, b.facts.mappedResource) {
        case (nil, nil): break
        case (let x?, let y?): guard CodePoints.equal(x, y) else { return false }
        default: return false
        }
        switch (a.facts.target, b.facts.target) {
        case (.tool(let x), .tool(let y)), (.resource(let x), .resource(let y)), (.prompt(let x), .prompt(let y)):
            return CodePoints.equal(x, y)
        case (.none, .none): return true
        default: return false
        }
    }

    func hash(into h: inout Hasher) {
        h.combine(ObjectIdentifier(mapping))
        CodePoints.hash(member, into: &h)
        CodePoints.hash(facts.method, into: &h)
        switch facts.target {
        case .tool(let name): h.combine(1 as UInt8); CodePoints.hash(name, into: &h)
        case .resource(let uri): h.combine(2 as UInt8); CodePoints.hash(uri, into: &h)
        case .prompt(let name): h.combine(3 as UInt8); CodePoints.hash(name, into: &h)
        case .none: h.combine(0 as UInt8)
        }
        if let mapped = facts.mappedResource { h.combine(1 as UInt8); CodePoints.hash(mapped, into: &h) } else { h.combine(0 as UInt8) }
    }
}

/// One snapshot's ``KeptRequest``s. Bounded (``BoundedTable``): when full it is emptied and refills
/// with what is asked for (members, tools and mapped resources in use), so a stream of distinct
/// resources costs a rebuild per request, as before, never unbounded memory.
final class KeptRequests: Sendable {
    private let entries = BoundedTable<KeptRequestKey, KeptRequest>(capacity: capacity)
    static let capacity = 4096

    init() {}

    /// The kept request for `key`, made over `snapshot` (the snapshot this belongs to) when there is none.
    func request(_ key: KeptRequestKey, snapshot: PolicySnapshot) -> KeptRequest {
        entries.value(for: key) { KeptRequest(key, snapshot: snapshot) }
    }

    var count: Int { entries.count }
}
