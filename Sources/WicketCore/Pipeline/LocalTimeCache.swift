import Foundation
import Synchronization

/// `context.time` for one time zone without Foundation's calendar on every request.
///
/// What it caches: one *stretch* of time over which both the local date and the zone's UTC offset
/// are constant — from the later of the local day's start and the zone's last offset change, to the
/// earlier of the next local day's start and the next offset change. Inside a stretch the local
/// wall clock is `UTC + offset`, so hour and minute are arithmetic, and the date, the weekday and
/// the `YYYY-MM-DD` string are the stretch's own.
///
/// Why that is exact: Foundation's calendar gives the same answer as long as neither the date nor
/// the offset changes, and the stretch ends at the first instant where either does (a midnight, a
/// DST change, a zone's change of standard offset — all are transitions `TimeZone` reports). Any
/// instant outside the cached stretch (the next day, a clock set back, a concurrent request a
/// microsecond before the stretch began) is answered by the calendar and starts a new stretch.
///
/// It also keeps the latest millisecond's Cedar `context.time` record (``TimeContext``), read under
/// the same lock as the stretch: under load many requests share a millisecond. What invalidates it:
/// the next millisecond; a record is used only for the time facts it was made from (it compares them).
///
/// The lock is a `Mutex` (one atomic compare-and-swap to take, one exchange to give back, inline),
/// not an `NSLock`: that was a class call into `pthread_mutex_lock`/`unlock` on every request.
final class LocalTimeCache: Sendable {
    private let calendar: Calendar
    /// The stretch and the record, both immutable values, read and replaced only under the mutex.
    private let shared = Mutex(Shared())

    private struct Shared {
        var current: Stretch?
        var latest: TimeContext?
    }

    /// The local facts of every instant in `[from, until)` (whole seconds since the Unix epoch).
    struct Stretch: Sendable {
        let from: Int64
        let until: Int64
        /// Seconds east of UTC, constant over the stretch.
        let offset: Int64
        /// ISO weekday, Monday = 1 … Sunday = 7.
        let weekday: Int
        /// `YYYY-MM-DD`, made once per stretch.
        let date: String

        func contains(_ second: Int64) -> Bool { second >= from && second < until }
    }

    init(timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    var timeZone: TimeZone { calendar.timeZone }

    /// The request's time facts at `instant`.
    func time(at instant: Date) -> RequestTime {
        facts(at: instant).time
    }

    /// The request's time facts at `instant` with their `context.time` record, kept for the millisecond.
    func timeAndContext(at instant: Date) -> (time: RequestTime, context: TimeContext) {
        let (time, kept) = facts(at: instant)
        if let kept, kept.answers(time) { return (time, kept) }
        let made = TimeContext(time)
        // Keep the newest millisecond: a request that read the clock a moment earlier must not move it back.
        let replaced = shared.withLock { state -> TimeContext? in
            let replaced = state.latest
            if made.millisecond >= (replaced?.millisecond ?? .min) { state.latest = made }
            return replaced
        }
        withExtendedLifetime(replaced) {}  // the old record is freed outside the lock
        return (time, made)
    }

    /// The time facts and the kept `context.time` record (one lock for both when the stretch is current).
    private func facts(at instant: Date) -> (time: RequestTime, kept: TimeContext?) {
        let microseconds = Int64((instant.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let second = Self.floorDiv(microseconds, 1_000_000)
        let (kept, cached) = shared.withLock { state -> (TimeContext?, Stretch?) in
            guard let current = state.current, current.contains(second) else { return (state.latest, nil) }
            return (state.latest, current)
        }
        let stretch = cached ?? self.stretch(containing: second)
        let local = Self.floorMod(second + stretch.offset, 86_400)
        let time = RequestTime(
            microseconds: microseconds, hour: Int(local / 3600), minute: Int(local % 3600 / 60),
            weekday: stretch.weekday, date: stretch.date)
        return (time, kept)
    }

    /// A stretch not in the cache: computed with Foundation, and kept when it is the newest.
    private func stretch(containing second: Int64) -> Stretch {
        let made = Self.stretch(containing: second, calendar: calendar)
        // Keep the newest stretch: a request that read the clock a moment earlier must not move it back.
        shared.withLock { state in
            if made.from >= (state.current?.from ?? .min) { state.current = made }
        }
        return made
    }

    /// The stretch around `second`, computed with Foundation (once per local day and per offset change).
    static func stretch(containing second: Int64, calendar: Calendar) -> Stretch {
        let zone = calendar.timeZone
        let instant = Date(timeIntervalSince1970: TimeInterval(second))
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: instant)
        let offset = Int64(zone.secondsFromGMT(for: instant))
        var from = second
        var until = second + 1
        if let day = calendar.dateInterval(of: .day, for: instant) {
            let dayStart = Int64(day.start.timeIntervalSince1970.rounded(.down))
            let dayEnd = Int64(day.end.timeIntervalSince1970.rounded(.up))
            from = max(dayStart, second - 86_400 * 2)
            until = min(dayEnd, second + 86_400 * 2)
            // Offset changes inside the day bound the stretch on either side of `second`.
            var cursor = Date(timeIntervalSince1970: TimeInterval(from))
            while let change = zone.nextDaylightSavingTimeTransition(after: cursor) {
                let at = Int64(change.timeIntervalSince1970.rounded(.up))
                if at > second {
                    until = min(until, at)
                    break
                }
                from = max(from, at)
                cursor = change
            }
        }
        // Belt and braces: never trust a stretch whose own ends disagree on the offset.
        if from > second || until <= second
            || Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(from)))) != offset
            || Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(until - 1)))) != offset
        {
            from = second
            until = second + 1
        }
        // Foundation counts Sunday = 1; ISO counts Monday = 1.
        let weekday = ((parts.weekday ?? 1) + 5) % 7 + 1
        let date = RequestTime.isoDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
        return Stretch(from: from, until: until, offset: offset, weekday: weekday, date: date)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }
}
