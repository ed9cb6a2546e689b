import Foundation

/// `--since` / `--until` of `wicket audit`: a duration back from now (`30m`, `1h`, `7d`), or an
/// instant as the records show it (`2026-11-25T21:49:00Z`, `2026-11-25T21:49:00.123+01:00`, or a
/// date `2026-11-25`, midnight UTC). Either is compared against each record's own time.
public enum AuditTimeBound {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let seconds = DurationText.seconds(text) { return now.addingTimeInterval(-seconds) }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        day.timeZone = TimeZone(identifier: "UTC")
        return day.date(from: text)
    }
}
