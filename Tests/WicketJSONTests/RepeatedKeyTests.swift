import Testing
import WicketJSON

/// Keys are compared byte for byte, never by Swift's canonical equivalence: `K` and U+212A KELVIN SIGN,
/// or a precomposed `é` and `e` + U+0301, are different keys (as they are to Python's and JavaScript's
/// readers, and to Cedar); the same bytes twice in one object are refused at any depth, or with
/// `keepLast` the last one wins.
@Suite("Repeated and look-alike keys")
struct RepeatedKeyTests {
    static let kelvin = "\u{212A}"
    static let precomposed = "\u{00E9}"
    static let decomposed = "e\u{0301}"

    /// `{"k0":0, …}` with `count` filler members before `tail` (past 12 members the reader uses a set).
    static func object(filler count: Int, _ tail: String) -> String {
        "{" + (0..<count).map { "\"k\($0)\":\($0)," }.joined() + tail + "}"
    }

    /// `inner` wrapped in objects until it sits at `depth` (the outermost object is depth 1).
    static func nested(_ inner: String, depth: Int) -> String {
        String(repeating: #"{"n":"#, count: depth - 1) + inner + String(repeating: "}", count: depth - 1)
    }

    @Test("K and the Kelvin sign are two keys, each with its own value", arguments: [0, 20])
    func kelvinIsNotK(filler: Int) throws {
        #expect("K" == Self.kelvin)  // Swift says equal; the reader must not
        let value = try JSONParser().parse(Self.object(filler: filler, #""K":1,"\u212A":2"#))
        #expect(value.objectValue?.count == filler + 2)
        #expect(value["K"]?.numberValue?.text == "1")
        #expect(value[Self.kelvin]?.numberValue?.text == "2")
    }

    @Test("precomposed and decomposed é are two keys", arguments: [0, 20])
    func normalizationFormsAreDistinct(filler: Int) throws {
        #expect(Self.precomposed == Self.decomposed)
        let value = try JSONParser().parse(Self.object(filler: filler, "\"\(Self.precomposed)\":1,\"\(Self.decomposed)\":2"))
        #expect(value[Self.precomposed]?.numberValue?.text == "1")
        #expect(value[Self.decomposed]?.numberValue?.text == "2")
    }

    @Test(
        "the same key twice is refused at depth 1 and depth 30, with few and many members",
        arguments: [(1, 0), (1, 20), (30, 0), (30, 20)])
    func exactRepeatRefused(depth: Int, filler: Int) {
        let text = Self.nested(Self.object(filler: filler, #""\u212A":1,"x":2,"\u212A":3"#), depth: depth)
        let parser = JSONParser(limits: .init(maxDepth: 64))
        do {
            _ = try parser.parse(text)
            Issue.record("accepted a repeated key at depth \(depth)")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.offset == Array(text.utf8).lastIndex(of: UInt8(ascii: "x")).map { $0 + 5 })
        }
    }

    @Test("an escaped spelling of the same bytes is the same key")
    func escapedSpellingRepeats() {
        #expect(throws: JSONParseError.self) { try JSONParser().parse(#"{"\u00e9":1,"é":2}"#) }
    }

    @Test("keepLast keeps the last value of a repeated key, after the other members", arguments: [0, 20])
    func keepLast(filler: Int) throws {
        let text = Self.nested(Self.object(filler: filler, #""a":1,"b":2,"a":3"#), depth: 3)
        #expect(throws: JSONParseError.self) { try JSONParser().parse(text) }
        let value = try JSONParser(repeatedKeys: .keepLast).parse(text)
        let inner = try #require(value["n"]?["n"]?.objectValue)
        #expect(inner.count == filler + 2)
        #expect(inner["a"]?.numberValue?.text == "3")
        #expect(inner.keys.suffix(2) == ["b", "a"])
    }

    @Test("keepLast still tells look-alike keys apart")
    func keepLastIsByteExact() throws {
        let value = try JSONParser(repeatedKeys: .keepLast).parse(#"{"K":1,"\u212A":2,"K":3}"#)
        #expect(value.objectValue?.keys == [Self.kelvin, "K"])
        #expect(value["K"]?.numberValue?.text == "3")
        #expect(value[Self.kelvin]?.numberValue?.text == "2")
    }

    @Test("values compare and hash byte for byte")
    func equalityIsByteExact() throws {
        #expect(JSONValue.string("K") != .string(Self.kelvin))
        #expect(JSONValue.string(Self.precomposed) != .string(Self.decomposed))
        #expect(Set([JSONValue.string(Self.precomposed), .string(Self.decomposed)]).count == 2)
        let a = try JSONParser().parse(#"{"K":1}"#)
        let b = try JSONParser().parse(#"{"\u212A":1}"#)
        #expect(a != b)
        #expect(Set([a, b]).count == 2)
        #expect(a == (try JSONParser().parse(#"{ "K" : 1 }"#)))
    }
}

@Suite("Exact text")
struct ExactTextTests {
    @Test("same bytes are equal; one byte apart, or a prefix, is not — small and heap strings alike")
    func equalByBytes() {
        let long = String(repeating: "customer_records.", count: 4)
        let pairs: [(String, String, Bool)] = [
            ("", "", true), ("id", "id", true), ("id", "ix", false), ("jsonrpc", "jsonrpC", false),
            ("K", "\u{212A}", false), ("abc", "abcd", false),
            (long, String(long.utf8.map { Character(UnicodeScalar($0)) }), true),
            (long, String(long.dropLast()) + ",", false), (long, "x" + String(long.dropFirst()), false),
        ]
        for (a, b, same) in pairs {
            #expect(ExactText.equal(a, b) == same, "\(a) vs \(b)")
            #expect(ExactText.equal(b, a) == same, "\(b) vs \(a)")
        }
    }
}

@Suite("Exact text against a literal")
struct ExactTextLiteralTests {
    static let literals: [StaticString] = [
        "", "K", "id", "tools/call", "\u{212A}", "\u{E9}", "e\u{301}", "2025-06-18", "customer_records.customer",
    ]
    static let texts: [String] = [
        "", "K", "\u{212A}", "k", "id", "ix", "di", "i", "idd", "tools/call", "tools/calL", "Tools/call", "tools/cal",
        "\u{E9}", "e\u{301}", "2025-06-18", "2025-06-1", "customer_records.customer",
        String(repeating: "customer_records.", count: 1) + "customer", "customer_records.customeR",
    ]

    @Test("equal to a literal exactly when the bytes are the literal's: K and KELVIN SIGN, é and e + U+0301 differ")
    func literalByBytes() {
        for literal in Self.literals {
            let bytes = literal.withUTF8Buffer { Array($0) }
            for text in Self.texts {
                #expect(ExactText.equal(text, literal: literal) == (Array(text.utf8) == bytes), "\(text) vs \(literal)")
                let inPlace = Array(text.utf8).withUnsafeBufferPointer { ExactText.equal($0, literal: literal) }
                #expect(inPlace == (Array(text.utf8) == bytes), "\(text) vs \(literal), its bytes")
            }
        }
    }

    @Test("an object's member by a literal key: byte for byte, the first of its keys")
    func memberByLiteral() throws {
        let object = try #require(try JSONParser().parse(#"{"\u212A":1,"K":2,"e\u0301":3,"arguments":{}}"#).objectValue)
        #expect(object[literal: "K"] == .number(JSONNumber(text: "2", isInteger: true)))
        #expect(object[literal: "\u{212A}"] == .number(JSONNumber(text: "1", isInteger: true)))
        #expect(object[literal: "\u{E9}"] == nil)
        #expect(object[literal: "arguments"] == .object([:]))
        #expect(object[literal: "argument"] == nil)
    }
}

@Suite("Number text and the writer")
struct JSONNumberTextTests {
    static let numbers = [
        "0", "-0", "1.0", "1.50", "-0.0e-0", "1E+2", "1e400", "12345678901234567890123",
        "9223372036854775807", "-9223372036854775808", "5e-324",
    ]

    @Test("a number keeps its text through reading and writing", arguments: numbers)
    func numberTextKept(_ text: String) throws {
        let value = try JSONParser().parse("[\(text)]")
        #expect(value.arrayValue?.first?.numberValue?.text == text)
        #expect(String(decoding: value.encoded, as: UTF8.self) == "[\(text)]")
    }

    @Test("compact text is written back byte for byte")
    func writerRoundTrip() throws {
        let text = #"{"z":[1,2.50,-0,{"\u212A":"\u00e9e\u0301\ud83d\ude00"}],"a":null,"q":"\"\\\n\t\u007f"}"#
        let value = try JSONParser().parse(text)
        let written = value.encoded
        #expect(try JSONParser().parse(written) == value)
        // Non-ASCII is written as UTF-8 and DEL as an escape; the rest is what came in.
        #expect(
            String(decoding: written, as: UTF8.self)
                == "{\"z\":[1,2.50,-0,{\"\u{212A}\":\"\u{E9}e\u{301}\u{1F600}\"}],\"a\":null,\"q\":\"\\\"\\\\\\n\\t\\u007f\"}")
    }
}

@Suite("Reader limits for documents")
struct JSONDocumentLimitTests {
    @Test("documents nest up to the ceiling and no deeper")
    func documentDepth() throws {
        let ceiling = JSONParser.Limits.depthCeiling
        func arrays(_ n: Int) -> String { String(repeating: "[", count: n) + "1" + String(repeating: "]", count: n) }
        let parser = JSONParser(limits: .documents)
        _ = try parser.parse(arrays(ceiling))
        do {
            _ = try parser.parse(arrays(ceiling + 1))
            Issue.record("accepted \(ceiling + 1) levels")
        } catch {
            #expect(error.code == .tooDeep)
            #expect(error.offset == ceiling)
        }
    }

    @Test("documents have no size bound; the default bound is 1 MiB")
    func documentSize() throws {
        let big = "[" + String(repeating: "1,", count: 600_000) + "1]"
        _ = try JSONParser(limits: .documents).parse(big)
        do {
            _ = try JSONParser().parse(big)
            Issue.record("accepted more than 1 MiB")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message == "input is larger than the limit of 1048576 bytes at byte 1048576")
        }
    }

    @Test("a byte order mark is refused, also for documents")
    func byteOrderMark() {
        #expect(throws: JSONParseError.self) { try JSONParser(limits: .documents).parse("\u{FEFF}{}") }
    }
}
