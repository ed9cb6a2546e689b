import Foundation
import Testing
import WicketTestSupport

@testable import WicketCore

/// `context.time` from the cached day must equal Foundation's calendar at every instant: around every
/// DST change and local midnight of zones with odd rules, and at random instants, in time order and
/// shuffled (so the cache is both reused and replaced).
@Suite struct LocalTimeCacheTests {
    /// Zones whose rules stress the cache: half-hour DST (Lord Howe), DST at midnight (Santiago,
    /// so some days start at 01:00), quarter-hour offsets (Chatham, Kathmandu), a skipped calendar day
    /// (Apia, 30 Dec 2011), Ramadan-suspended DST (Casablanca), southern and northern DST, none at all.
    static let zones = [
        "UTC", "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago",
        "Pacific/Chatham", "Asia/Kathmandu", "Asia/Kolkata", "Pacific/Apia", "Africa/Casablanca", "America/St_Johns",
        "Asia/Tokyo", "America/Sao_Paulo",
    ]

    /// Instants around every offset change and every local midnight next to one, 2010–2031.
    static func edgeInstants(in zone: TimeZone) -> [Int64] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var instants: [Int64] = []
        var cursor = Date(timeIntervalSince1970: 1_262_304_000)  // 2010-01-01
        let end = Date(timeIntervalSince1970: 1_924_992_000)  // 2031-01-01
        let deltas: [Int64] = [-3601, -3600, -61, -60, -1, 0, 1, 59, 60, 1799, 1800, 3599, 3600, 3601, 7200]
        while let change = zone.nextDaylightSavingTimeTransition(after: cursor), change < end {
            let at = Int64(change.timeIntervalSince1970.rounded())
            for delta in deltas { instants.append(at + delta) }
            for day in [change.addingTimeInterval(-86_400), change, change.addingTimeInterval(86_400)] {
                if let interval = calendar.dateInterval(of: .day, for: day) {
                    let start = Int64(interval.start.timeIntervalSince1970.rounded())
                    for delta in deltas { instants.append(start + delta) }
                }
            }
            cursor = change
        }
        // Midnights of a stretch of ordinary days too (zones without DST have no transitions).
        var day = Date(timeIntervalSince1970: 1_776_297_600)  // 2026-04-16
        for _ in 0..<40 {
            if let interval = calendar.dateInterval(of: .day, for: day) {
                let start = Int64(interval.start.timeIntervalSince1970.rounded())
                for delta in deltas { instants.append(start + delta) }
                day = interval.end.addingTimeInterval(1)
            }
        }
        return instants
    }

    static func expectSame(_ cache: LocalTimeCache, _ calendar: Calendar, microseconds: Int64, zone: String) {
        let instant = Date(timeIntervalSince1970: TimeInterval(microseconds) / 1_000_000)
        let cached = cache.time(at: instant)
        let reference = RequestTime(date: instant, calendar: calendar)
        #expect(cached == reference, "\(zone) at \(microseconds) µs: cached \(cached), calendar \(reference)")
    }

    @Test("the cached day equals the calendar around every DST change and midnight", arguments: zones)
    func edgesMatchTheCalendar(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let instants = Self.edgeInstants(in: zone)
        #expect(instants.count > 100)
        let sequential = LocalTimeCache(timeZone: zone)
        for second in instants.sorted() {
            // Whole seconds and the last microsecond before the next one.
            Self.expectSame(sequential, calendar, microseconds: second * 1_000_000, zone: zoneName)
            Self.expectSame(sequential, calendar, microseconds: second * 1_000_000 + 999_999, zone: zoneName)
        }
        var generator = SplitMix(seed: UInt64(zoneName.utf8.count) &* 0x9E37_79B9)
        let shuffled = LocalTimeCache(timeZone: zone)
        for second in instants.shuffled(using: &generator) {
            Self.expectSame(shuffled, calendar, microseconds: second * 1_000_000 + 250_000, zone: zoneName)
        }
    }

    @Test("the cached day equals the calendar at random instants, 1900–2100", arguments: zones)
    func randomInstantsMatchTheCalendar(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let cache = LocalTimeCache(timeZone: zone)
        var generator = SplitMix(seed: 0x5EED ^ UInt64(zoneName.utf8.count))
        var last: Int64 = 0
        for index in 0..<4000 {
            // Mostly near the previous instant (what a server sees), sometimes anywhere.
            let micros: Int64 =
                index % 10 == 0 || index == 0
                ? Int64.random(in: -2_208_988_800_000_000...4_102_444_800_000_000, using: &generator)
                : last + Int64.random(in: -90_000_000...3_600_000_000, using: &generator)
            last = micros
            Self.expectSame(cache, calendar, microseconds: micros, zone: zoneName)
        }
    }

    @Test("one stretch serves a whole ordinary day and ends at the next midnight")
    func stretchIsTheLocalDay() throws {
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // 2026-04-16 10:00 in Berlin (UTC+2): the day runs 2026-04-15T22:00Z … 2026-04-16T22:00Z.
        let stretch = LocalTimeCache.stretch(containing: 1_776_326_400, calendar: calendar)
        #expect(stretch.from == 1_776_290_400 && stretch.until == 1_776_376_800)
        #expect(stretch.offset == 7200 && stretch.date == "2026-04-16" && stretch.weekday == 4)
        // 2026-03-29, the spring change at 01:00Z: the day splits into two stretches.
        let before = LocalTimeCache.stretch(containing: 1_774_742_400, calendar: calendar)  // 00:00Z
        let after = LocalTimeCache.stretch(containing: 1_774_749_600, calendar: calendar)  // 02:00Z
        #expect(before.until == 1_774_746_000 && after.from == 1_774_746_000)
        #expect(before.offset == 3600 && after.offset == 7200 && before.date == after.date)
    }
}
