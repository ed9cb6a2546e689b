import Testing

@testable import WicketCore

/// A request id made when nginx sent none: 32 lowercase hex digits (nginx's `$request_id` shape),
/// fresh each time, taken as is when sent again.
@Suite struct FreshRequestIDTests {
    @Test func thirtyTwoLowercaseHexDigitsNeverRepeated() {
        var seen = Set<String>()
        var digitsSeen = Set<UInt8>()
        var firstDigits = Set<UInt8>()
        for _ in 0..<2000 {
            let id = DecisionPipeline.requestID(from: nil)
            #expect(id.utf8.count == 32)
            #expect(id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            digitsSeen.formUnion(id.utf8)
            if let first = id.utf8.first { firstDigits.insert(first) }
            seen.insert(id)
            // Sent back by a client as nginx's id, it is kept as it is.
            #expect(DecisionPipeline.requestID(from: id) == id)
        }
        #expect(seen.count == 2000)
        // Every position is random: all 16 digits occur, in the first position too.
        #expect(digitsSeen.count == 16)
        #expect(firstDigits.count == 16)
        #expect(DecisionPipeline.requestID(from: "NOT-HEX") != "NOT-HEX")
    }

    /// nginx's id is taken when it is 8–64 lowercase hex digits, read in place: the same answer as the
    /// rule over the string's UTF-8 view, for every scalar below U+0100 (and one beyond) at each end and
    /// the middle, and at every length around the bounds.
    @Test func aSentIDIsCheckedByItsBytes() {
        func reference(_ id: String) -> Bool {
            (8...64).contains(id.utf8.count) && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
        let digits = "0123456789abcdef0123456789abcdef"
        for scalar in (0..<0x100).compactMap(Unicode.Scalar.init) + ["\u{212A}", "\u{FF10}"] {
            for position in [0, 15, 31] {
                var scalars = Array(digits.unicodeScalars)
                scalars[position] = scalar
                let id = String(String.UnicodeScalarView(scalars))
                #expect(DecisionPipeline.isRequestID(id) == reference(id), "\(Array(id.utf8))")
            }
        }
        for count in [0, 1, 7, 8, 9, 32, 63, 64, 65, 100] {
            let id = String(repeating: "a", count: count)
            #expect(DecisionPipeline.isRequestID(id) == (8...64).contains(count), "\(count) digits")
        }
        #expect(DecisionPipeline.isRequestID(digits))
        #expect(!DecisionPipeline.isRequestID(digits.uppercased()))
    }
}
