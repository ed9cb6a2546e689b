import Foundation

/// The wall-clock facts of one request, as `context.time` presents them in the tenant's time zone.
public struct RequestTime: Sendable, Equatable {
    /// Microseconds since the Unix epoch, UTC: the audit record's time.
    public let microseconds: Int64
    public let hour: Int
    public let minute: Int
    /// ISO 8601 weekday: Monday = 1 … Sunday = 7.
    public let weekday: Int
    /// `YYYY-MM-DD` in the tenant's time zone.
    public let date: String
    /// The UTC instant as Cedar's `datetime` literal (`2026-04-16T03:04:18.123Z`).
    public var nowLiteral: String { RequestTime.utcLiteral(microseconds: microseconds) }

    public init(date instant: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.init(date: instant, calendar: calendar)
    }

    /// The facts as a ``LocalTimeCache`` computed them.
    init(microseconds: Int64, hour: Int, minute: Int, weekday: Int, date: String) {
        self.microseconds = microseconds
        self.hour = hour
        self.minute = minute
        self.weekday = weekday
        self.date = date
    }

    /// With a calendar already set to the tenant's zone: Foundation's answer, the reference the
    /// request path's ``LocalTimeCache`` is tested against.
    init(date instant: Date, calendar: Calendar) {
        microseconds = Int64((instant.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant)
        hour = parts.hour ?? 0
        minute = parts.minute ?? 0
        // Foundation counts Sunday = 1; ISO counts Monday = 1.
        weekday = ((parts.weekday ?? 1) + 5) % 7 + 1
        date = RequestTime.isoDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// `YYYY-MM-DD` without `String(format:)`, which costs more than the rest of this type together.
    static func isoDate(year: Int, month: Int, day: Int) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func utcLiteral(microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        let millis = (microseconds % 1_000_000) / 1000
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second],
            from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, Int(millis))
    }
}

/// Where the time comes from: the system clock in `wicket serve`, a clock injected in-process by tests.
/// The shipped binary has no way to set it from outside (no environment variable, no option).
public struct RequestClock: Sendable {
    private let now: @Sendable () -> Date

    public init(_ now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = RequestClock { Date() }

    /// A clock fixed at an ISO 8601 instant (in-process tests), or nil when it does not parse.
    public static func fixed(iso8601 text: String) -> RequestClock? {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { return nil }
        return RequestClock { date }
    }

    public func read() -> Date { now() }
}
