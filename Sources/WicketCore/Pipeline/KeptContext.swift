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
