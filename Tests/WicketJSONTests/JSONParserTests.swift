import Foundation
import Testing

@testable import WicketJSON

/// Valid and invalid JSON texts in the spirit of JSONTestSuite (y_/n_ cases), written for Wicket.
@Suite("Strict JSON parser")
struct JSONParserTests {
    let parser = JSONParser()

    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parser.parse(Array(text.utf8))
    }

    func parseBytes(_ bytes: [UInt8]) -> Result<JSONValue, JSONParseError> {
        do { return .success(try parser.parse(bytes)) } catch { return .failure(error) }
    }

    static let accepted: [String] = [
        "{}", "[]", "null", "true", "false", "0", "-0", "1", "-1", "12345678901234567890123",
        "1.5", "-0.0e-0", "1E10", "1e+2", "1e-2", "0.000001", "\"\"", "\"a\"", " [ 1 , 2 ] ",
        "\t\n\r {\"a\" :\n1}\r\n", "[[[[[]]]]]", "{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0000\"", "\"\\u00e9\"", "\"\\uD83D\\uDE00\"", "\"\\uffff\"",
        "\"é\"", "\"😀\"", "\"\u{10FFFF}\"", "\"\u{7F}\"", "{\"\":1}", "{\"a\":1,\"A\":2}",
        "[1,\"a\",null,true,{},[]]", "1e400",
    ]

    static let refused: [(String, JSONParseError.Code)] = [
        ("", .emptyInput), ("   ", .unexpectedEnd), ("[", .unexpectedEnd), ("{", .unexpectedEnd),
        ("[1", .unexpectedEnd), ("{\"a\"", .unexpectedEnd), ("{\"a\":", .unexpectedEnd), ("\"abc", .unexpectedEnd),
        ("[1,]", .unexpectedByte), ("{\"a\":1,}", .unexpectedByte), ("[,1]", .unexpectedByte), ("{,}", .unexpectedByte),
        ("{a:1}", .unexpectedByte), ("{'a':1}", .unexpectedByte), ("['a']", .unexpectedByte), ("{\"a\" 1}", .unexpectedByte),
        ("{\"a\":1 \"b\":2}", .unexpectedByte), ("[1 2]", .unexpectedByte), ("{1:2}", .unexpectedByte),
        ("NaN", .unexpectedByte), ("-NaN", .invalidNumber), ("Infinity", .unexpectedByte), ("-Infinity", .invalidNumber),
        ("nul", .unexpectedByte), ("tru", .unexpectedByte), ("True", .unexpectedByte), ("nulll", .trailingData),
        ("01", .invalidNumber), ("-01", .invalidNumber), ("00", .invalidNumber), ("1.", .invalidNumber), (".1", .unexpectedByte),
        ("1.e1", .invalidNumber), ("1e", .invalidNumber), ("1e+", .invalidNumber), ("+1", .unexpectedByte), ("-", .invalidNumber),
        ("0x10", .trailingData), ("1_000", .trailingData), ("1 2", .trailingData), ("{} {}", .trailingData),
        ("[]]", .trailingData), ("\"a\"x", .trailingData), ("1/*c*/", .trailingData), ("// c\n1", .unexpectedByte),
        ("\"\\x41\"", .invalidEscape), ("\"\\u12\"", .invalidEscape), ("\"\\u12G4\"", .invalidEscape), ("\"\\U0041\"", .invalidEscape),
        ("\"\\a\"", .invalidEscape), ("\"\\'\"", .invalidEscape), ("\"\\", .unexpectedEnd), ("\"\\u00", .unexpectedEnd),
        ("\"\\uD800\"", .loneSurrogate), ("\"\\uDBFF\"", .loneSurrogate), ("\"\\uDC00\"", .loneSurrogate),
        ("\"\\uD800\\u0041\"", .loneSurrogate), ("\"\\uD800\\uD800\"", .loneSurrogate), ("\"\\uDE00\\uD83D\"", .loneSurrogate),
        ("\"\\uD800x\"", .loneSurrogate), ("\"\t\"", .controlCharacter), ("\"\n\"", .controlCharacter),
        ("\"\u{0}\"", .controlCharacter), ("\"\u{1F}\"", .controlCharacter),
        ("{\"a\":1,\"a\":2}", .duplicateKey), ("{\"a\":1,\"b\":{\"c\":1,\"c\":1}}", .duplicateKey),
        ("[{\"x\":[{\"k\":1,\"k\":2}]}]", .duplicateKey), ("{\"a\":1,\"\\u0061\":2}", .duplicateKey),
        ("\u{FEFF}{}", .byteOrderMark), ("\u{A0}1", .unexpectedByte),
    ]

    @Test("accepts valid JSON", arguments: accepted)
    func acceptsValid(_ text: String) throws {
        _ = try parse(text)
    }

    @Test("refuses invalid JSON with the right code", arguments: refused)
    func refusesInvalid(_ text: String, _ code: JSONParseError.Code) {
        #expect(throws: JSONParseError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.code == code, "\(text.debugDescription): \(error.message)")
        }
    }

    /// Every accepted case must agree with Foundation's parser on validity (Foundation also
    /// accepts what we refuse, e.g. duplicates, so only this direction is checked).
    /// (Foundation refuses numbers beyond `Double`, such as `1e400`, which RFC 8259 allows.)
    @Test("accepted texts are also valid for Foundation", arguments: accepted.filter { $0 != "1e400" })
    func agreesWithFoundation(_ text: String) throws {
        _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test("keeps structure, order and values")
    func structure() throws {
        let value = try parse(#"{"z":1,"a":[true,false,null,"x\u00e9\ud83d\ude00"],"m":{"k":-2.5e3}}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "m"])
        #expect(value["a"] == .array([.bool(true), .bool(false), .null, .string("xé😀")]))
        #expect(value["m"]?["k"]?.numberValue?.text == "-2.5e3")
        #expect(value["m"]?["k"]?.numberValue?.doubleValue == -2500)
        #expect(value["missing"] == nil)
    }

    @Test("escapes decode to the exact bytes")
    func escapes() throws {
        let value = try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti\u0000j""#)
        #expect(value.stringValue == "a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti\u{0}j")
    }

    // MARK: UTF-8

    static let invalidUTF8: [[UInt8]] = [
        [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
        [0x22, 0xC1, 0xBF, 0x22],  // overlong
        [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong 3-byte
        [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22],  // overlong 4-byte
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded high surrogate U+D800
        [0x22, 0xED, 0xBF, 0xBF, 0x22],  // encoded low surrogate U+DFFF
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // U+110000
        [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],  // lead byte F5
        [0x22, 0xFF, 0x22],  // FF
        [0x22, 0xFE, 0x22],  // FE
        [0x22, 0x80, 0x22],  // lone continuation
        [0x22, 0xC3, 0x22],  // truncated 2-byte
        [0x22, 0xE2, 0x82, 0x22],  // truncated 3-byte
        [0x22, 0xC3, 0x28, 0x22],  // bad continuation
        [0x22, 0xC3],  // truncated at end
        [0x22, 0x5C, 0x6E, 0xE9, 0x22],  // invalid after an escape (slow path)
        [0x7B, 0x22, 0xE9, 0x22, 0x3A, 0x31, 0x7D],  // in a key
    ]

    @Test("refuses invalid UTF-8 in strings", arguments: invalidUTF8)
    func refusesInvalidUTF8(_ bytes: [UInt8]) {
        guard case .failure(let error) = parseBytes(bytes) else {
            Issue.record("accepted \(bytes)")
            return
        }
        #expect(error.code == .invalidUTF8)
    }

    @Test("refuses non-ASCII bytes outside strings")
    func nonASCIIOutsideString() {
        guard case .failure(let error) = parseBytes([0x5B, 0xC3, 0xA9, 0x5D]) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .unexpectedByte)
        #expect(error.offset == 1)
    }

    @Test("accepts boundary UTF-8 sequences")
    func boundaryUTF8() throws {
        let cases: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        for sequence in cases {
            let value = try parser.parse([0x22] + sequence + [0x22])
            #expect(value.stringValue.map { Array($0.utf8) } == sequence)
        }
    }

    // MARK: Limits

    @Test("depth of 10,000 nested arrays is refused without a crash")
    func deepArrays() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 10_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 10_000)
        guard case .failure(let error) = parseBytes(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .tooDeep)
        #expect(error.offset == 64)
    }

    @Test("depth of 10,000 unclosed objects is refused without a crash")
    func deepObjects() {
        let bytes = Array(String(repeating: #"{"a":"#, count: 10_000).utf8)
        guard case .failure(let error) = parseBytes(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .tooDeep)
    }

    @Test("depth limit is exact")
    func depthBoundary() throws {
        let limited = JSONParser(limits: .init(maxDepth: 3))
        _ = try limited.parse(Array("[[[1]]]".utf8))
        _ = try limited.parse(Array(#"{"a":[{"b":1}]}"#.utf8))
        #expect(throws: JSONParseError.self) { try limited.parse(Array("[[[[1]]]]".utf8)) }
        #expect(throws: JSONParseError.self) { try limited.parse(Array(#"{"a":[{"b":[]}]}"#.utf8)) }
    }

    @Test("depth limit is clamped to the ceiling")
    func depthCeiling() {
        let limits = JSONParser.Limits(maxDepth: 1_000_000)
        #expect(limits.maxDepth == JSONParser.Limits.depthCeiling)
        let parser = JSONParser(limits: limits)
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONParseError.self) { try parser.parse(bytes) }
    }

    @Test("size limit is exact")
    func sizeLimit() throws {
        let limited = JSONParser(limits: .init(maxBytes: 7))
        _ = try limited.parse(Array("[1,2,3]".utf8))
        do {
            _ = try limited.parse(Array("[1,2,34]".utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.code == .tooLarge)
        }
    }

    @Test("many keys use the set path and still find duplicates")
    func manyKeys() throws {
        let keys = (0..<200).map { "\"k\($0)\":\($0)" }
        let ok = "{" + keys.joined(separator: ",") + "}"
        let value = try parse(ok)
        #expect(value.objectValue?.count == 200)
        #expect(value["k199"]?.numberValue?.int64Value == 199)
        let dup = "{" + (keys + ["\"k150\":0"]).joined(separator: ",") + "}"
        #expect(throws: JSONParseError.self) { try parse(dup) }
        let dupEarly = "{" + (keys + ["\"k3\":0"]).joined(separator: ",") + "}"
        #expect(throws: JSONParseError.self) { try parse(dupEarly) }
    }

    @Test("error messages name the offset")
    func errorOffset() {
        do {
            _ = try parse(#"{"name":"a","name":"b"}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.offset == 12)
            #expect(error.message == "duplicate object key at byte 12")
        }
    }

    @Test("parses from a raw buffer")
    func rawBuffer() throws {
        let bytes = Array(#"{"a":[1]}"#.utf8)
        let value = try bytes.withUnsafeBytes { raw throws(JSONParseError) in try parser.parse(raw) }
        #expect(value["a"] == .array([.number(JSONNumber(text: "1", isInteger: true))]))
    }
}

@Suite("JSON object lookup")
struct JSONObjectLookupTests {
    @Test("lookup is byte-exact: a canonically equivalent key does not match")
    func byteExact() throws {
        // U+212A KELVIN SIGN is canonically equivalent to `K`; Swift's `==` treats them as equal.
        let value = try JSONParser().parse(Array(#"{"\u212Aey":"x"}"#.utf8))
        #expect(value["Key"] == nil)
        #expect(value["\u{212A}ey"] == .string("x"))
    }

    @Test("canonically equivalent keys are two keys, as they are to the upstream")
    func equivalentKeysAreDistinct() throws {
        let value = try JSONParser().parse(Array(#"{"Key":1,"\u212Aey":2}"#.utf8))
        #expect(value["Key"]?.numberValue?.text == "1")
        #expect(value["\u{212A}ey"]?.numberValue?.text == "2")
    }
}
