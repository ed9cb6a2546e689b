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
}
