/// A Cedar `decimal`: a fixed-point number with four fractional digits, stored scaled by 10⁴.
public struct CedarDecimal: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let scaled: Int64

    public init(scaled: Int64) { self.scaled = scaled }

    /// Parses `-?[0-9]+\.[0-9]{1,4}`; `nil` when malformed or out of range.
    public init?(parsing s: String) {
        let b = Array(s.utf8)
        var i = 0
        let negative = b.first == UInt8(ascii: "-")
        if negative { i = 1 }
        var intPart: Int64 = 0
        var intDigits = 0
        while i < b.count, b[i] >= 48, b[i] <= 57 {
            let (m, o1) = intPart.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(b[i] - 48))
            if o1 || o2 { return nil }
            intPart = a
            intDigits += 1
            i += 1
        }
        guard intDigits > 0, i < b.count, b[i] == UInt8(ascii: ".") else { return nil }
        i += 1
        var frac: Int64 = 0
        var fracDigits = 0
        while i < b.count, b[i] >= 48, b[i] <= 57 {
            frac = frac * 10 + Int64(b[i] - 48)
            fracDigits += 1
            if fracDigits > 4 { return nil }
            i += 1
        }
        guard fracDigits > 0, i == b.count else { return nil }
        for _ in fracDigits..<4 { frac *= 10 }
        let (scaledInt, o1) = intPart.multipliedReportingOverflow(by: 10_000)
        if o1 { return nil }
        if negative {
            let (n, o2) = (0 as Int64).subtractingReportingOverflow(scaledInt)
            let (r, o3) = n.subtractingReportingOverflow(frac)
            if o2 || o3 { return nil }
            scaled = r
        } else {
            let (r, o2) = scaledInt.addingReportingOverflow(frac)
            if o2 { return nil }
            scaled = r
        }
    }

    public static func < (a: CedarDecimal, b: CedarDecimal) -> Bool { a.scaled < b.scaled }

    public var description: String {
        let neg = scaled < 0
        let mag = scaled.magnitude
        let ip = mag / 10_000
        let fp = mag % 10_000
        var f = String(fp)
        while f.count < 4 { f = "0" + f }
        return (neg ? "-" : "") + "\(ip).\(f)"
    }
}
