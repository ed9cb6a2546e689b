/// A Cedar `duration`, in milliseconds.
public struct CedarDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Parses `-?(Nd)?(Nh)?(Nm)?(Ns)?(Nms)?` (at least one unit) exactly as Cedar does.
    public init?(parsing s: String) {
        let b = Array(s.utf8)
        if b.isEmpty || (b.count == 1 && b[0] == UInt8(ascii: "-")) { return nil }
        var i = 0
        let negative = b[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        // Quantities per unit index: d, h, m, s, ms.
        var quantities: [UInt64?] = [nil, nil, nil, nil, nil]
        var lastUnit = -1
        while i < b.count {
            var digits = 0
            var q: UInt64 = 0
            var overflow = false
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                let (m, o1) = q.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(b[i] - 48))
                if o1 || o2 { overflow = true }
                q = a
                digits += 1
                i += 1
            }
            guard digits > 0, i < b.count else { return nil }
            var unit: Int
            switch b[i] {
            case UInt8(ascii: "d"): unit = 0
            case UInt8(ascii: "h"): unit = 1
            case UInt8(ascii: "s"): unit = 3
            case UInt8(ascii: "m"):
                if i + 1 < b.count && b[i + 1] == UInt8(ascii: "s") {
                    unit = 4
                    i += 1
                } else {
                    unit = 2
                }
            default: return nil
            }
            i += 1
            guard unit > lastUnit else { return nil }
            lastUnit = unit
            if overflow { return nil }
            quantities[unit] = q
        }
        let factors: [Int64] = [86_400_000, 3_600_000, 60_000, 1000, 1]
        // Same order and checks as Cedar: ms first, then s, m, h, d.
        let msq = quantities[4] ?? 0
        var total: Int64
        if negative {
            guard msq <= UInt64(Int64.max) + 1 else { return nil }
            total = msq == UInt64(Int64.max) + 1 ? Int64.min : -Int64(msq)
        } else {
            guard msq <= UInt64(Int64.max) else { return nil }
            total = Int64(msq)
        }
        for unit in stride(from: 3, through: 0, by: -1) {
            let q = quantities[unit] ?? 0
            guard q <= UInt64(Int64.max) else { return nil }
            let (prod, o1) = Int64(q).multipliedReportingOverflow(by: factors[unit])
            if o1 { return nil }
            let (r, o2) = negative ? total.subtractingReportingOverflow(prod) : total.addingReportingOverflow(prod)
            if o2 { return nil }
            total = r
        }
        milliseconds = total
    }

    public static func < (a: CedarDuration, b: CedarDuration) -> Bool { a.milliseconds < b.milliseconds }

    public var description: String { "\(milliseconds)ms" }

    public var toMilliseconds: Int64 { milliseconds }
    public var toSeconds: Int64 { milliseconds / 1000 }
    public var toMinutes: Int64 { toSeconds / 60 }
    public var toHours: Int64 { toMinutes / 60 }
    public var toDays: Int64 { toHours / 24 }
}
