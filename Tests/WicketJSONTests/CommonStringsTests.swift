import Testing

@testable import WicketJSON

/// The reader returns a few common keys and values as strings written in code (`CommonStrings`): each
/// must be exactly the bytes read, and a string of the same length that differs in any byte must be
/// read from its own bytes as before.
@Suite struct CommonStringsTests {
    /// What the reader returns for `bytes` as a key and as a value, as UTF-8 bytes.
    static func readBack(_ bytes: [UInt8]) throws -> [[UInt8]] {
        let quoted = [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
        let document = Array("{".utf8) + quoted + Array(":".utf8) + quoted + Array("}".utf8)
        guard case .object(let object) = try JSONParser().parse(document), let member = object.members.first,
            case .string(let value) = member.value
        else { return [] }
        return [Array(member.key.utf8), Array(value.utf8)]
    }

    @Test func eachCommonStringReadsBackAsItsBytes() throws {
        for text in CommonStrings.all {
            let bytes = Array(text.utf8)
            #expect(try Self.readBack(bytes) == [bytes, bytes], "\(text)")
            let found = bytes.withUnsafeBytes { CommonStrings.string(at: $0.baseAddress!, count: $0.count) }
            #expect(found.map { Array($0.utf8) } == bytes, "\(text) is not found as itself")
        }
    }

    @Test func aStringOneByteAwayIsReadFromItsOwnBytes() throws {
        // Every position, to bytes just around the original, to other letters, to non-ASCII text.
        for text in CommonStrings.all {
            let original = Array(text.utf8)
            for position in original.indices {
                for replacement in [original[position] &+ 1, original[position] &- 1, UInt8(ascii: "x"), UInt8(ascii: "D")]
                where replacement != original[position] && replacement >= 0x20 && replacement < 0x7F
                    && replacement != UInt8(ascii: "\"") && replacement != UInt8(ascii: "\\")
                {
                    var bytes = original
                    bytes[position] = replacement
                    #expect(try Self.readBack(bytes) == [bytes, bytes], "\(text) with byte \(position) = \(replacement)")
                }
                var twoByte = original
                twoByte.replaceSubrange(position...position, with: [0xC3, 0xA9])  // é
                #expect(try Self.readBack(twoByte) == [twoByte, twoByte])
            }
            // One byte shorter and longer.
            let shorter = Array(original.dropLast())
            #expect(try Self.readBack(shorter) == [shorter, shorter])
            let longer = original + [original[0]]
            #expect(try Self.readBack(longer) == [longer, longer])
        }
    }

    @Test func everyOneByteStringAndNumberReadsBackAsItsByte() throws {
        for byte in UInt8(0x20)..<0x7F where byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
            #expect(try Self.readBack([byte]) == [[byte], [byte]], "\(byte)")
        }
        for digit in 0...9 {
            let texts = ["\(digit)", "-\(digit)", "\(digit).5", "1\(digit)"]
            let value = try JSONParser().parse(Array("[\(texts.joined(separator: ","))]".utf8))
            #expect(value.arrayValue?.compactMap { $0.numberValue?.text } == texts)
        }
    }

    @Test func anEscapedSpellingReadsAsTheSameString() throws {
        // `"\u0069d"` is the key `id`; the repeated-key rule still sees it as `id`.
        let value = try JSONParser().parse(Array(#"{"\u0069d":1,"method":"tools\/call"}"#.utf8))
        #expect(value["id"] == .number(JSONNumber(text: "1", isInteger: true)))
        #expect(value["method"] == .string("tools/call"))
        #expect(throws: JSONParseError.self) { try JSONParser().parse(Array(#"{"id":1,"\u0069d":2}"#.utf8)) }
    }
}
