import Testing

@testable import WicketJSON

/// The string scan's 8-byte step (`JSONReader.skipPlainWords`) against the byte-by-byte rule it
/// shortens: a word is skipped only when every byte is one the byte loop would step over.
@Suite struct JSONStringScanTests {
    static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    @Test func everyByteAtEveryPositionOfAPlainWord() {
        for filler in [UInt8(ascii: "a"), 0x20, 0x7F, UInt8(ascii: "#"), UInt8(ascii: "]")] {
            for position in 0..<8 {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = UInt8(value)
                    let expected = !bytes.allSatisfy(Self.isPlain)
                    #expect(JSONReader.hasNonPlainByte(Self.word(bytes)) == expected, "byte \(value) at \(position)")
                }
            }
        }
    }

    @Test func randomWordsOfNearBoundaryBytes() {
        // Bytes next to each boundary, where a borrow between bytes could mislead a word test.
        let pool: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0x81, 0xFF, 0x41]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<200_000 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let bytes = (0..<8).map { pool[Int((state >> (UInt64($0) * 4)) & 0xF)] }
            #expect(JSONReader.hasNonPlainByte(Self.word(bytes)) == !bytes.allSatisfy(Self.isPlain))
            // The scan moves to the lowest flag: it must be the first special byte, whatever
            // borrows set above it.
            let flags = JSONReader.nonPlainBytes(Self.word(bytes))
            if let first = bytes.firstIndex(where: { !Self.isPlain($0) }) {
                #expect(JSONReader.firstFlaggedByte(flags) == first, "\(bytes)")
            }
        }
    }

    @Test func theFirstFlagIsTheFirstSpecialByteBehindAnyOther() {
        // Every special byte at every position, behind plain bytes and ahead of other specials (a
        // borrow from the first can only set flags above it).
        let specials: [UInt8] = [0x00, 0x01, 0x1F, 0x22, 0x5C, 0x80, 0xC3, 0xFF]
        for position in 0..<8 {
            for special in specials {
                for after in specials + [0x21, 0x23, 0x5B, 0x5D, 0x20, 0x7F] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                    bytes[position] = special
                    for later in (position + 1)..<8 { bytes[later] = after }
                    #expect(JSONReader.firstFlaggedByte(JSONReader.nonPlainBytes(Self.word(bytes))) == position, "\(bytes)")
                }
            }
        }
    }

    @Test func longStringsWithEverySpecialByteAtEveryOffset() throws {
        // A string long enough for several words, with one special byte at each offset: the parse
        // must find it wherever the 8-byte steps fall.
        let parser = JSONParser()
        for offset in 0..<40 {
            var body = Array(#""select count(*) from customer_records where region""#.utf8)
            let inner = body.count - 2
            guard offset < inner else { break }
            let plain = try parser.parse(body)
            #expect(plain == .string(String(decoding: body.dropFirst().dropLast(), as: UTF8.self)))
            body[1 + offset] = 0x0A  // a raw control character: refused
            #expect(throws: JSONParseError.self) { try parser.parse(body) }
            body[1 + offset] = UInt8(ascii: "\"")  // the string ends early: trailing data
            #expect(throws: JSONParseError.self) { try parser.parse(body) }
            var escaped = Array(#""select count(*) from customer_records where region""#.utf8)
            escaped.replaceSubrange((1 + offset)...(1 + offset), with: Array(#"\u00e9"#.utf8))
            let value = try parser.parse(escaped)
            guard case .string(let text) = value else {
                Issue.record("not a string")
                continue
            }
            #expect(text.unicodeScalars.contains("\u{E9}"))
            var twoByte = Array(#""select count(*) from customer_records where region""#.utf8)
            twoByte.replaceSubrange((1 + offset)...(1 + offset), with: [0xC3, 0xA9])
            #expect(try parser.parse(twoByte) == value)
            twoByte[1 + offset + 1] = 0x41  // a lead byte without its continuation: invalid UTF-8
            #expect(throws: JSONParseError.self) { try parser.parse(twoByte) }
        }
    }
}
