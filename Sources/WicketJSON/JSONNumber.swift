/// A JSON number kept exactly as written, with accessors that never round silently.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's source text, valid RFC 8259 grammar (`-12`, `0.5`, `1e400`).
    public let text: String
    /// Whether the text has neither a fraction nor an exponent.
    public let isInteger: Bool

    /// A number from its text; the caller guarantees the text is RFC 8259 number grammar and
    /// `isInteger` says whether it has neither fraction nor exponent.
    public init(text: String, isInteger: Bool) {
        self.text = text
        self.isInteger = isInteger
    }

    /// An integer, written in its shortest form.
    public init(_ value: Int64) {
        self.init(text: String(value), isInteger: true)
    }

    /// The value as `Int64` when the text is an integer (no fraction, no exponent) within range.
    public var int64Value: Int64? {
        guard isInteger else { return nil }
        // The text's bytes in place (a short number's are on the stack): the generic walk over the
        // `UTF8View` slice cost more than the digits.
        return ExactText.withUTF8(text, Self.int64)
    }

    /// The integer `bytes` spell (`-`? digits), or nil when they spell none within `Int64`.
    private static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            // Accumulate negatively so Int64.min is representable.
            let (next, o2) = times10.subtractingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    /// The value as the nearest `Double`, or nil when it is out of `Double`'s finite range.
    public var doubleValue: Double? {
        guard let d = Double(text), d.isFinite else { return nil }
        return d
    }

    public var description: String { text }
}
