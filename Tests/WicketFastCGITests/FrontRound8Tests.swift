import Testing

@testable import WicketFastCGI

/// The front's per-request bookkeeping without temporaries (issue 11, round 8): the loop's table of
/// connections indexed by descriptor number, and the params stream decoded where it lies in the read
/// buffer — which the loop reuses for its next read, so what is left of the stream must be copied
/// out before the parser returns.
@Suite("The front's bookkeeping")
struct FrontRound8Tests {
    final class Item {
        let name: String
        init(_ name: String) { self.name = name }
    }

    @Test("the descriptor table finds, replaces and forgets by number, counts what it holds, lists it in order")
    func descriptorTable() {
        var table = DescriptorTable<Item>()
        #expect(table.isEmpty && table[0] == nil && table[-1] == nil && table[500] == nil)
        let five = Item("five")
        let two = Item("two")
        table[5] = five
        table[2] = two
        #expect(table.count == 2 && table[5] === five && table[2] === two && table[3] == nil && table[6] == nil)
        #expect(table.all.map(\.name) == ["two", "five"])
        // A number reused for a new connection replaces the old one without counting it twice.
        let again = Item("again")
        table[5] = again
        #expect(table.count == 2 && table[5] === again)
        table[5] = nil
        table[5] = nil
        table[900] = nil
        #expect(table.count == 1 && table[5] == nil && table.all.map(\.name) == ["two"])
        table[2] = nil
        #expect(table.isEmpty && table.all.isEmpty)
    }

    /// Feeds `pieces` through one buffer that is overwritten after every piece, as the event loop's
    /// read buffer is by its next read.
    static func feedThroughOneBuffer(_ parser: inout FastCGIRequestParser, _ pieces: [[UInt8]]) throws -> [FastCGIRequestParser.Event] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var events: [FastCGIRequestParser.Event] = []
        for piece in pieces {
            buffer.copyBytes(from: piece)
            try parser.consume(UnsafeRawBufferPointer(rebasing: buffer[0..<piece.count]), into: &events)
            buffer.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "X"))
        }
        return events
    }

    @Test("params whose stream ends in a later read are copied out of the read buffer before it is reused")
    func paramsOutliveTheReadBuffer() throws {
        typealias Tests = FastCGIRequestParserTests
        let params = [("REQUEST_METHOD", "POST"), ("HTTP_AUTHORIZATION", "Bearer " + String(repeating: "k", count: 40))]
        let whole = Tests.request(params: params, body: Array("{}".utf8))
        // BEGIN and the params record in one read; the empty params record and the body in the next.
        let streamEnd = 8 + 8 + 8 + Tests.pairs(params).count
        for split in [streamEnd, streamEnd + 3, streamEnd - 5] {
            var parser = Tests.parser()
            let events = try Self.feedThroughOneBuffer(&parser, [Array(whole[..<split]), Array(whole[split...])])
            let requests = events.compactMap { if case .request(let request) = $0 { request } else { nil } }
            try #require(requests.count == 1, "split at \(split)")
            #expect(requests[0].params.dropFirst().map(\.value) == params.map(\.1), "split at \(split)")
            #expect(requests[0].body == .complete(Array("{}".utf8)))
        }
        // The same in one read, with the stream in one record, then in records of 9 bytes.
        for chunk in [65_535, 9] {
            var parser = Tests.parser()
            let events = try Self.feedThroughOneBuffer(&parser, [Tests.request(params: params, body: [], chunk: chunk)])
            let requests = events.compactMap { if case .request(let request) = $0 { request } else { nil } }
            #expect(requests.count == 1 && requests.first?.params.dropFirst().map(\.value) == params.map(\.1), "chunk \(chunk)")
        }
    }

    @Test("a params stream in one record over the bound breaks the connection, as one in many records does")
    func paramsBoundInOneRecord() {
        typealias Tests = FastCGIRequestParserTests
        let params = [("N", String(repeating: "v", count: 200))]
        let atBound = Tests.pairs(params).count
        for chunk in [65_535, 50] {
            var small = Tests.parser(maxParams: atBound - 1)
            let result = Tests.feed(&small, Tests.request(params: params, body: [], chunk: chunk))
            #expect(throws: FastCGIRequestParser.Malformed.self) { try result.get() }
            var exact = Tests.parser(maxParams: atBound)
            #expect(Tests.requests(Tests.feed(&exact, Tests.request(params: params, body: [], chunk: chunk))).count == 1)
        }
    }
}

/// The answer's checks read header names and values as bytes (issue 11, round 8: no `String.UTF8View`
/// iteration); what they decide must not change.
@Suite("The answer's header checks, as bytes")
struct AnswerBytesTests {
    static func check(_ headers: [(String, String)], status: Int = 200, body: String = "") -> Bool? {
        FastCGIResponse(status: status, headers: headers.map { .init($0.0, $0.1) }, body: Array(body.utf8)).answer(id: 1)?.redirects
    }

    @Test("redirect, status and leaking names are matched ignoring ASCII case only, by their bytes")
    func names() {
        #expect(Self.check([("X-ACCEL-REDIRECT", "@wicket_mcp")]) == true)
        #expect(Self.check([("x-accel-redirect", "@wicket_mcp"), ("X-Wicket-Token", "Bearer t")]) == true)
        #expect(Self.check([("Status", "200")], status: 403, body: "{}") == nil)
        for leaking in ["SET-COOKIE", "Cache-Control", "expires", "Content-Disposition", "accept-RANGES"] {
            #expect(Self.check([("X-Accel-Redirect", "@m"), (leaking, "x")]) == nil, "\(leaking)")
        }
        // Same lengths, other bytes: not leaking. A non-ASCII letter is not a token byte at all
        // (U+017F LATIN SMALL LETTER LONG S uppercases to S, but nginx reads bytes).
        #expect(Self.check([("X-Accel-Redirect", "@m"), ("set-cookix", "x"), ("expirez", "y")]) == true)
        #expect(Self.check([("X-Accel-Redirect", "@m"), ("\u{17F}et-cookie", "x")]) == nil)
        #expect(Self.check([("Bad Name", "x")], status: 403, body: "{}") == nil)
        #expect(Self.check([("", "x")], status: 403, body: "{}") == nil)
    }

    @Test("a value with CR, LF or NUL is refused; others pass whole; Content-Length is added once")
    func values() throws {
        for bad in ["a\rb", "a\nb", "a\u{0}b"] {
            #expect(Self.check([("X-Accel-Redirect", "@m"), ("X-Wicket-Token", bad)]) == nil)
        }
        let long = "Bearer " + String(repeating: "é%s", count: 300)
        let bytes = try #require(
            FastCGIResponse(status: 403, headers: [.init("X-Long", long)], body: Array("{}".utf8)).encoded())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == "Status: 403 Forbidden\r\nX-Long: \(long)\r\nContent-Length: 2\r\n\r\n{}")
        let given = try #require(
            FastCGIResponse(status: 401, headers: [.init("content-LENGTH", "2")], body: Array("{}".utf8)).encoded())
        #expect(String(decoding: given, as: UTF8.self) == "Status: 401 Unauthorized\r\ncontent-LENGTH: 2\r\n\r\n{}")
        for size in [1, 9, 10, 99, 100, 1000, 65_536] {
            let answer = try #require(FastCGIResponse(status: 403, body: [UInt8](repeating: 65, count: size)).encoded())
            #expect(String(decoding: answer, as: UTF8.self).hasPrefix("Status: 403 Forbidden\r\nContent-Length: \(size)\r\n\r\nA"))
        }
        let sized = try #require(FastCGIResponse(status: 503, body: [UInt8](repeating: 65, count: 10_240)).encoded())
        #expect(String(decoding: sized, as: UTF8.self).hasPrefix("Status: 503 Service Unavailable\r\nContent-Length: 10240\r\n\r\n"))
    }
}
