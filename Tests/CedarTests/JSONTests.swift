import Testing
import WicketJSON

@testable import Cedar

@Suite("JSON and entity JSON")
struct JSONTests {
    @Test func parsesExactIntegersAndKeepsKeyOrder() throws {
        let v = try CedarJSON.parse("{\"b\": 9223372036854775807, \"a\": [-1, 1.5, \"\\u00e9\\ud83d\\ude00\"]}")
        guard case .object(let pairs) = v else { Issue.record("not an object"); return }
        #expect(pairs.map(\.key) == ["b", "a"])
        #expect(v["b"] == .number(JSONNumber(.max)))
        #expect(v["b"]?.numberValue?.cedarLong == .max)
        #expect(v["a"] == .array([.number(JSONNumber(-1)), .number(JSONNumber(text: "1.5", isInteger: false)), .string("é😀")]))
    }

    @Test(arguments: ["{\"a\": 1, \"a\": 2}", "[1,]", "01", "\"\\x\"", "{\"a\" 1}", "[", "\"\\ud800\"", "tru", "1 2", "\"a\u{1}\""])
    func rejectsInvalidJSON(_ s: String) {
        #expect(throws: JSONParseError.self) { try CedarJSON.parse(s) }
    }

    @Test func boundsNesting() {
        #expect(throws: JSONParseError.self) { try CedarJSON.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test func readsEntitiesWithEscapesAndTags() throws {
        let es = try EntityJSON.parse(
            """
            [{"uid": {"__entity": {"type": "NS::User", "id": "a"}},
              "attrs": {"ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}}, "mgr": {"__entity": {"type": "NS::User", "id": "b"}},
                        "rec": {"type": "x", "id": "y"}, "when": {"__extn": {"fn": "offset", "args": [{"__extn": {"fn": "datetime", "arg": "1970-01-01"}}, {"__extn": {"fn": "duration", "arg": "1s"}}]}}},
              "parents": [{"type": "NS::Group", "id": "g"}], "tags": {"t": 1}}]
            """)
        let e = try #require(es.first)
        #expect(e.uid == EntityUID("NS::User", "a"))
        #expect(e.attributes["ip"] == .ext(.ipaddr(try #require(IPAddr(parsing: "10.0.0.1")))))
        #expect(e.attributes["mgr"] == .entity(EntityUID("NS::User", "b")))
        #expect(e.attributes["rec"] == .record(["type": .string("x"), "id": .string("y")]))
        #expect(e.attributes["when"] == .ext(.datetime(CedarDatetime(epochMilliseconds: 1000))))
        #expect(e.parents == [EntityUID("NS::Group", "g")])
        #expect(e.tags["t"] == .long(1))
    }

    @Test(arguments: [
        "{}", "[{\"attrs\": {}}]", "[{\"uid\": {\"type\": \"bad type\", \"id\": \"x\"}}]",
        "[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": 1.5}}]",
        "[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": null}}]",
        "[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"attrs\": {\"n\": {\"__extn\": {\"fn\": \"ip\", \"arg\": \"nope\"}}}}]",
        "[{\"uid\": {\"type\": \"A\", \"id\": \"x\"}, \"extra\": 1}]",
    ])
    func rejectsBadEntities(_ s: String) {
        #expect(throws: CedarJSONError.self) { try EntityJSON.parse(s) }
    }

    @Test func valuesRoundTripThroughCedarJSON() throws {
        let v: Value = .record([
            "s": .set([.long(1), .string("x")]), "e": .entity(TestData.alice), "d": .ext(.decimal(CedarDecimal(scaled: 15000))),
            "ip": .ext(.ipaddr(try #require(IPAddr(parsing: "::1/64")))), "t": .ext(.datetime(CedarDatetime(epochMilliseconds: -1))),
            "far": .ext(.datetime(CedarDatetime(epochMilliseconds: .max))), "du": .ext(.duration(CedarDuration(milliseconds: -5))),
        ])
        #expect(try CedarJSON.value(CedarJSON.json(v)) == v)
        #expect(CedarDatetime(epochMilliseconds: 1_709_164_800_123).iso8601 == "2024-02-29T00:00:00.123Z")
        #expect(CedarDatetime(epochMilliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }
}
