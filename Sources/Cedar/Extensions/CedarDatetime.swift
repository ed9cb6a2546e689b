/// A Cedar `datetime`: milliseconds since the Unix epoch (UTC, no leap seconds).
public struct CedarDatetime: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let epochMilliseconds: Int64

    static let dayMilliseconds: Int64 = 86_400_000

    public init(epochMilliseconds: Int64) { self.epochMilliseconds = epochMilliseconds }

    /// Parses `YYYY-MM-DD`, optionally followed by `Thh:mm:ss`, optional `.SSS`, and `Z` or `±hhmm`.
    public init?(parsing s: String) {
        let b = Array(s.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let month = num(5, 2),
            b[7] == UInt8(ascii: "-"), let day = num(8, 2)
        else { return nil }
        let dateValid = month >= 1 && month <= 12 && day >= 1 && day <= CedarDatetime.daysIn(month: month, year: year)
        if b.count == 10 {
            guard dateValid else { return nil }
            epochMilliseconds = CedarDatetime.daysFromCivil(year, month, day) * CedarDatetime.dayMilliseconds
            return
        }
        guard b.count >= 19, b[10] == UInt8(ascii: "T"), let hh = num(11, 2), b[13] == UInt8(ascii: ":"),
            let mm = num(14, 2), b[16] == UInt8(ascii: ":"), let ss = num(17, 2)
        else { return nil }
        var i = 19
        var ms = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            guard let v = num(i + 1, 3) else { return nil }
            ms = v
            i += 4
        }
        var offsetSeconds = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 5 == b.count, let oh = num(i + 1, 2), let om = num(i + 3, 2) else { return nil }
            guard dateValid, hh < 24, mm < 60, ss < 60 else { return nil }
            guard oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        } else {
            return nil
        }
        guard dateValid, hh < 24, mm < 60, ss < 60 else { return nil }
        let days = CedarDatetime.daysFromCivil(year, month, day)
        let secs = days * 86_400 + Int64(hh * 3600 + mm * 60 + ss) - Int64(offsetSeconds)
        epochMilliseconds = secs * 1000 + Int64(ms)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DDThh:mm:ss.SSSZ` for years 0000–9999 (what `datetime("...")` accepts), else `nil`.
    public var iso8601: String? {
        let ms = epochMilliseconds
        var days = ms / CedarDatetime.dayMilliseconds
        var rem = ms % CedarDatetime.dayMilliseconds
        if rem < 0 {
            rem += CedarDatetime.dayMilliseconds
            days -= 1
        }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        guard y >= 0 && y <= 9999 else { return nil }
        func pad(_ v: Int64, _ n: Int) -> String {
            let t = String(v)
            return String(repeating: "0", count: max(0, n - t.count)) + t
        }
        let h = rem / 3_600_000
        let mi = rem / 60_000 % 60
        let sec = rem / 1000 % 60
        let milli = rem % 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(sec, 2)).\(pad(milli, 3))Z"
    }

    public static func < (a: CedarDatetime, b: CedarDatetime) -> Bool { a.epochMilliseconds < b.epochMilliseconds }

    public var description: String { "offset(datetime(\"1970-01-01\"), duration(\"\(epochMilliseconds)ms\"))" }

    /// `offset(d)`; `nil` on overflow.
    public func offset(_ d: CedarDuration) -> CedarDatetime? {
        let (r, o) = epochMilliseconds.addingReportingOverflow(d.milliseconds)
        return o ? nil : CedarDatetime(epochMilliseconds: r)
    }

    /// `durationSince(other)`; `nil` on overflow.
    public func durationSince(_ other: CedarDatetime) -> CedarDuration? {
        let (r, o) = epochMilliseconds.subtractingReportingOverflow(other.epochMilliseconds)
        return o ? nil : CedarDuration(milliseconds: r)
    }

    /// `toDate()`: midnight of the same UTC day; `nil` on overflow.
    public func toDate() -> CedarDatetime? {
        var rem = epochMilliseconds % CedarDatetime.dayMilliseconds
        if rem < 0 { rem += CedarDatetime.dayMilliseconds }
        let (r, o) = epochMilliseconds.subtractingReportingOverflow(rem)
        return o ? nil : CedarDatetime(epochMilliseconds: r)
    }

    /// `toTime()`: the time since midnight.
    public func toTime() -> CedarDuration {
        var rem = epochMilliseconds % CedarDatetime.dayMilliseconds
        if rem < 0 { rem += CedarDatetime.dayMilliseconds }
        return CedarDuration(milliseconds: rem)
    }
}
