import Testing

@testable import WicketFastCGI

/// The params decoder of issue 11, round 8b: a kept name is found by its byte count, its first word
/// and a `memcmp` of the rest; a value is cut at a NUL only when it is read. Neither may change which
/// params are kept or what they hold.
@Suite("The params decoder's lookups")
struct FrontRound8bTests {
    typealias Tests = FastCGIRequestParserTests

    @Test("a name is kept only when every byte matches: first word, the bytes after it, and the count")
    func wordAndRest() {
        let selection = FastCGIParamSelection.only(["ABCDEFGH", "ABCDEFGHIJ", "ABCDEFGHIK", "XYZ", "Q", "LONG_NAME_PAST_SIXTEEN"])
        for kept in ["ABCDEFGH", "ABCDEFGHIJ", "ABCDEFGHIK", "XYZ", "Q", "LONG_NAME_PAST_SIXTEEN"] {
            #expect(selection.keeps(kept), "\(kept)")
        }
        // Same first word, another byte after it (at 8, at the last byte, in the middle of a long name).
        for other in [
            "ABCDEFGHXJ", "ABCDEFGHIL", "ABCDEFGHI", "ABCDEFGHIJK", "ABCDEFGX", "ABCDEFG", "XYW", "XY", "WYZ", "R", "",
            "LONG_NAME_PAST_SIXTEEX", "LONG_NAME_PAST_SIXTEENS", "XONG_NAME_PAST_SIXTEEN",
        ] {
            #expect(!selection.keeps(other), "\(other)")
        }
        #expect(!FastCGIParamSelection.only([]).keeps("A"))
    }

    @Test("a kept value and CONTENT_LENGTH end at a NUL byte; a NUL in an unread value changes nothing")
    func valuesEndAtNUL() throws {
        let selection = FastCGIParamSelection.only(["REMOTE_ADDR", "WICKET_SERVER"])
        let params = [
            ("HTTP_USER_AGENT", "a\u{0}b"), ("REMOTE_ADDR", "10.0.0.1\u{0}junk"), ("CONTENT_LENGTH", "3\u{0}99999"),
            ("WICKET_SERVER", "\u{0}x"),
        ]
        for maxBody in [1024, 2] {
            var parser = Tests.parser(maxBody: maxBody, selection: selection)
            let requests = Tests.requests(Tests.feed(&parser, Tests.request(params: params, body: [1, 2, 3])))
            try #require(requests.count == 1)
            #expect(requests[0].params == [.init(name: "REMOTE_ADDR", value: "10.0.0.1"), .init(name: "WICKET_SERVER", value: "")])
            // CONTENT_LENGTH read up to its NUL: 3, within 1024 and over 2.
            #expect(requests[0].body == (maxBody == 2 ? .tooLarge(limit: 2) : .complete([1, 2, 3])))
        }
        var all = Tests.parser()
        let every = Tests.requests(Tests.feed(&all, Tests.request(params: params, body: [])))
        #expect(every.first?.params.map(\.value) == ["RESPONDER", "a", "10.0.0.1", "3", ""])
    }
}
