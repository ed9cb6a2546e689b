import Testing
import WicketTestSupport

@testable import WicketFastCGI

/// The record parser, without a socket: every record type it reads or answers, every bound, every
/// malformed input, and requests fed in every possible split.
@Suite("The FastCGI record parser")
struct FastCGIRequestParserTests {
    typealias Parser = FastCGIRequestParser

    // MARK: - Encoding what nginx sends

    static func record(_ type: UInt8, id: UInt16 = 1, _ content: [UInt8] = [], padding: Int = 0) -> [UInt8] {
        [1, type, UInt8(id >> 8), UInt8(id & 0xff), UInt8(content.count >> 8), UInt8(content.count & 0xff), UInt8(padding), 0]
            + content + [UInt8](repeating: 0, count: padding)
    }

    static func begin(id: UInt16 = 1, role: UInt16 = 1, keep: Bool = false) -> [UInt8] {
        record(1, id: id, [UInt8(role >> 8), UInt8(role & 0xff), keep ? 1 : 0, 0, 0, 0, 0, 0])
    }

    static func pairs(_ params: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in params {
            FastCGIRecord.appendLength(name.utf8.count, to: &out)
            FastCGIRecord.appendLength(value.utf8.count, to: &out)
            out += Array(name.utf8) + Array(value.utf8)
        }
        return out
    }

    /// A whole request as nginx sends it: BEGIN, PARAMS in records of `chunk` bytes, the empty PARAMS,
    /// STDIN likewise, the empty STDIN; `padding` pads every record.
    static func request(
        id: UInt16 = 1, keep: Bool = false, params: [(String, String)], body: [UInt8], chunk: Int = 65_535, padding: Int = 0
    ) -> [UInt8] {
        var out = begin(id: id, keep: keep)
        for stream in [(UInt8(4), pairs(params)), (UInt8(5), body)] {
            var offset = 0
            while offset < stream.1.count {
                let end = min(offset + chunk, stream.1.count)
                out += record(stream.0, id: id, Array(stream.1[offset..<end]), padding: padding)
                offset = end
            }
            out += record(stream.0, id: id, [], padding: padding)
        }
        return out
    }

    static func parser(maxBody: Int = 1024, maxParams: Int = 4096, selection: FastCGIParamSelection = .all) -> Parser {
        Parser(limits: .init(maxParamsBytes: maxParams, maxBodyBytes: maxBody, maxConnections: 7, maxRequests: 9), selection: selection)
    }

    /// Feeds `bytes` in pieces of `sizes` (cycled) and returns the events, or the malformed reason.
    static func feed(_ parser: inout Parser, _ bytes: [UInt8], sizes: [Int] = [Int.max]) -> Result<[Parser.Event], Parser.Malformed> {
        var events: [Parser.Event] = []
        var offset = 0
        var turn = 0
        while offset < bytes.count {
            let size = max(1, sizes[turn % sizes.count])
            turn += 1
            let end = offset + min(size, bytes.count - offset)
            let piece = Array(bytes[offset..<end])
            let fed = piece.withUnsafeBytes { raw in
                Result { () throws(Parser.Malformed) in try parser.consume(raw, into: &events) }
            }
            if case .failure(let error) = fed { return .failure(error) }
            offset = end
        }
        return .success(events)
    }

    static func requests(_ result: Result<[Parser.Event], Parser.Malformed>) -> [Parser.Request] {
        guard case .success(let events) = result else { return [] }
        return events.compactMap { if case .request(let request) = $0 { request } else { nil } }
    }

    static func replies(_ result: Result<[Parser.Event], Parser.Malformed>) -> [[UInt8]] {
        guard case .success(let events) = result else { return [] }
        return events.compactMap { if case .reply(let bytes, _) = $0 { bytes } else { nil } }
    }

    static let sample: [(String, String)] = [
        ("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", "5"), ("HTTP_X", String(repeating: "v", count: 300)), ("EMPTY", ""),
    ]

    // MARK: - Requests

    @Test("a request parses to its params in order and its body, and waits for its answer")
    func roundTrip() throws {
        var parser = Self.parser()
        let parsed = Self.requests(Self.feed(&parser, Self.request(id: 7, keep: true, params: Self.sample, body: Array("hello".utf8))))
        try #require(parsed.count == 1)
        #expect(parsed[0].id == 7 && parsed[0].keepConnection)
        #expect(parsed[0].params.map(\.name) == ["FCGI_ROLE"] + Self.sample.map(\.0))
        #expect(parsed[0].params.map(\.value) == ["RESPONDER"] + Self.sample.map(\.1))
        #expect(parsed[0].body == .complete(Array("hello".utf8)))
        #expect(parser.isAnswering)
        parser.answered()
        #expect(parser.isIdle)
        let next = Self.requests(Self.feed(&parser, Self.request(id: 1, params: [("A", "b")], body: [])))
        #expect(
            next.count == 1 && next[0].params.dropFirst() == [.init(name: "A", value: "b")] && next[0].body == .complete([])
                && !next[0].keepConnection)
    }

    @Test("a request fed one byte at a time, or split at every offset, parses the same")
    func everySplit() throws {
        let bytes = Self.request(id: 3, params: Self.sample, body: Array("hello".utf8), chunk: 7, padding: 3)
        var parser = Self.parser()
        let whole = Self.requests(Self.feed(&parser, bytes, sizes: [1]))
        try #require(whole.count == 1)
        #expect(whole[0].params.map(\.value) == ["RESPONDER"] + Self.sample.map(\.1) && whole[0].body == .complete(Array("hello".utf8)))
        for split in 1..<bytes.count {
            var parser = Self.parser()
            let parsed = Self.requests(Self.feed(&parser, bytes, sizes: [split, bytes.count]))
            #expect(parsed.count == 1 && parsed.first?.body == .complete(Array("hello".utf8)), "split at \(split)")
        }
    }

    @Test("random requests in random pieces parse to exactly what was encoded")
    func generated() throws {
        var random = SplitMix(seed: 0x11_4A71)
        for round in 0..<300 {
            var params: [(String, String)] = []
            for index in 0..<Int(random.next() % 12) {
                let nameLength = 1 + Int(random.next() % 140)
                let valueLength = Int(random.next() % 300)
                let name = "P\(index)_" + String(repeating: "n", count: nameLength)
                let value = String((0..<valueLength).map { _ in Character(Unicode.Scalar(UInt8(32 + random.next() % 95))) })
                params.append((name, value))
            }
            let body = (0..<Int(random.next() % 3000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let keep = random.next() % 2 == 0
            let id = UInt16(1 + random.next() % 65_000)
            let bytes = Self.request(
                id: id, keep: keep, params: params, body: body, chunk: 1 + Int(random.next() % 2000), padding: Int(random.next() % 8))
            let sizes = (0..<4).map { _ in 1 + Int(random.next() % 700) }
            var parser = Self.parser(maxBody: 4096, maxParams: 65_536)
            let parsed = Self.requests(Self.feed(&parser, bytes, sizes: sizes))
            try #require(parsed.count == 1, "round \(round)")
            #expect(parsed[0].id == id && parsed[0].keepConnection == keep)
            #expect(parsed[0].params.map(\.name) == ["FCGI_ROLE"] + params.map(\.0), "round \(round)")
            #expect(parsed[0].params.map(\.value) == ["RESPONDER"] + params.map(\.1), "round \(round)")
            #expect(parsed[0].body == .complete(body), "round \(round)")
        }
    }

    @Test("a selection keeps only its names, byte for byte, every occurrence in order")
    func selection() throws {
        var parser = Self.parser(selection: .only(["REMOTE_ADDR", "HTTP_X"]))
        let parsed = Self.requests(
            Self.feed(
                &parser,
                Self.request(params: [("REMOTE_ADDR", "1"), ("OTHER", "x"), ("HTTP_X", "a"), ("REMOTE_ADDR", "2")], body: [])))
        try #require(parsed.count == 1)
        #expect(
            parsed[0].params == [
                .init(name: "REMOTE_ADDR", value: "1"), .init(name: "HTTP_X", value: "a"), .init(name: "REMOTE_ADDR", value: "2"),
            ])
    }

    // MARK: - Bounds

    @Test("a body over the limit arrives as too large, read to its end; a declared length over it too")
    func bodyBound() throws {
        var parser = Self.parser(maxBody: 10)
        let exact = Self.requests(Self.feed(&parser, Self.request(params: [], body: [UInt8](repeating: 1, count: 10))))
        #expect(exact.first?.body == .complete([UInt8](repeating: 1, count: 10)))
        parser.answered()
        let over = Self.requests(Self.feed(&parser, Self.request(params: [], body: [UInt8](repeating: 1, count: 11), chunk: 3)))
        #expect(over.first?.body == .tooLarge(limit: 10))
        parser.answered()
        let declared = Self.requests(Self.feed(&parser, Self.request(params: [("CONTENT_LENGTH", "11")], body: [1])))
        #expect(declared.first?.body == .tooLarge(limit: 10))
        parser.answered()
        let after = Self.requests(Self.feed(&parser, Self.request(params: [], body: [2])))
        #expect(after.first?.body == .complete([2]), "nothing of the dropped body carries over")
    }

    @Test("a params stream over the bound breaks the connection; one at the bound does not")
    func paramsBound() throws {
        let atBound = Self.pairs([("N", String(repeating: "v", count: 200))])
        var parser = Self.parser(maxParams: atBound.count)
        #expect(Self.requests(Self.feed(&parser, Self.request(params: [("N", String(repeating: "v", count: 200))], body: []))).count == 1)
        var small = Self.parser(maxParams: atBound.count - 1)
        let result = Self.feed(&small, Self.request(params: [("N", String(repeating: "v", count: 200))], body: [], chunk: 50))
        #expect(throws: Parser.Malformed.self) { try result.get() }
    }

    @Test("a record's content never exceeds 65,535 bytes: a 200 KB body arrives in records and parses")
    func largeBody() throws {
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        var parser = Self.parser(maxBody: 1 << 20)
        #expect(Self.requests(Self.feed(&parser, Self.request(params: [], body: body), sizes: [4096])).first?.body == .complete(body))
    }

    // MARK: - Malformed input closes the connection

    @Test(
        "malformed input is refused",
        arguments: [
            ("wrong version", [2, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
            ("begin with id 0", record(1, id: 0, [0, 1, 0, 0, 0, 0, 0, 0])),
            ("begin too short", record(1, [0, 1, 0])),
            ("second begin for the active id", begin() + begin()),
            ("params pair past its end", begin() + record(4, [5, 1, 65]) + record(4)),
            ("four-byte length past its end", begin() + record(4, [0x80, 0]) + record(4)),
            ("stdin before the params end", begin() + record(5, [1])),
            ("params after the params end", begin() + record(4) + record(4, [1, 1, 65, 66])),
            ("stdin after the request completed", request(params: [], body: []) + record(5, [1])),
            ("get-values pair past its end", record(9, id: 0, [14, 0, 65])),
        ] as [(String, [UInt8])])
    func malformed(_ name: String, _ bytes: [UInt8]) {
        var parser = Self.parser()
        let result = Self.feed(&parser, bytes)
        #expect(throws: Parser.Malformed.self, "\(name)") { try result.get() }
    }

    // MARK: - Records the parser answers itself

    @Test("GET_VALUES is answered with the connection and request bounds and no multiplexing")
    func getValues() throws {
        var parser = Self.parser()
        let replies = Self.replies(
            Self.feed(
                &parser,
                Self.record(9, id: 0, Self.pairs([("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", ""), ("OTHER", "")]))))
        try #require(replies.count == 1)
        let reply = replies[0]
        #expect(Array(reply[0..<4]) == [1, 10, 0, 0])
        let length = Int(reply[4]) << 8 | Int(reply[5])
        #expect(Array(reply[8..<(8 + length)]) == Self.pairs([("FCGI_MAX_CONNS", "7"), ("FCGI_MAX_REQS", "9"), ("FCGI_MPXS_CONNS", "0")]))
        #expect(reply.count % 8 == 0, "padded to 8 as libfcgi pads")
    }

    @Test("an unknown record type is answered with FCGI_UNKNOWN_TYPE and changes nothing")
    func unknownType() throws {
        var parser = Self.parser()
        let result = Self.feed(&parser, Self.record(42, id: 0, [1, 2, 3]) + Self.request(params: [("A", "b")], body: [9]))
        #expect(Self.replies(result) == [Self.record(11, id: 0, [42, 0, 0, 0, 0, 0, 0, 0])])
        #expect(Self.requests(result).first?.body == .complete([9]))
    }

    @Test("another role is refused with UNKNOWN_ROLE, and closes the connection unless kept")
    func unknownRole() throws {
        var parser = Self.parser()
        guard case .success(let events) = Self.feed(&parser, Self.begin(id: 4, role: 2)) else { Issue.record("refused"); return }
        guard case .reply(let bytes, let closeAfter) = events.first else { Issue.record("no reply"); return }
        #expect(bytes == Self.record(3, id: 4, [0, 0, 0, 0, 3, 0, 0, 0]) && closeAfter)
        #expect(parser.isIdle)
    }

    @Test("a second request id while one is active is refused with CANT_MPX_CONN")
    func cantMultiplex() throws {
        var parser = Self.parser()
        let result = Self.feed(&parser, Self.request(id: 1, keep: true, params: [], body: []) + Self.begin(id: 2))
        #expect(Self.requests(result).count == 1)
        #expect(Self.replies(result) == [Self.record(3, id: 2, [0, 0, 0, 0, 1, 0, 0, 0])])
        #expect(parser.isAnswering, "the active request is unaffected")
    }

    @Test("ABORT before the request is complete ends it at once; after, it is reported and the answer still goes")
    func abort() throws {
        var parser = Self.parser()
        let early = Self.feed(&parser, Self.begin(id: 5, keep: true) + Self.record(4, id: 5) + Self.record(2, id: 5))
        #expect(Self.requests(early).isEmpty)
        #expect(Self.replies(early) == [Self.record(3, id: 5, [0, 0, 0, 0, 0, 0, 0, 0])])
        #expect(parser.isIdle)
        let late = Self.feed(&parser, Self.request(id: 6, params: [], body: []) + Self.record(2, id: 6))
        guard case .success(let events) = late, events.count == 2, case .abort(let id) = events[1] else {
            Issue.record("no abort event")
            return
        }
        #expect(id == 6 && parser.isAnswering)
    }

    @Test("records of a request id that is not active are ignored")
    func inactiveIgnored() throws {
        var parser = Self.parser()
        let result = Self.feed(&parser, Self.record(4, id: 9, [1, 1, 65, 66]) + Self.record(5, id: 9, [1]) + Self.record(2, id: 9))
        #expect((try? result.get())?.isEmpty == true)
        #expect(parser.isIdle)
    }

    // MARK: - The answer

    @Test("an answer is STDOUT records of at most 65,535 bytes padded to 8, the empty STDOUT, END_REQUEST")
    func answerEncoding() throws {
        let stdout = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let bytes = FastCGIRecord.answer(id: 0x0102, stdout: stdout)
        var offset = 0
        var collected: [UInt8] = []
        var types: [UInt8] = []
        while offset < bytes.count {
            let length = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            let padding = Int(bytes[offset + 6])
            #expect(bytes[offset] == 1 && bytes[offset + 2] == 1 && bytes[offset + 3] == 2)
            #expect((length + padding) % 8 == 0 && length <= 65_535)
            types.append(bytes[offset + 1])
            if bytes[offset + 1] == 6 { collected += bytes[(offset + 8)..<(offset + 8 + length)] }
            if bytes[offset + 1] == 3 { #expect(Array(bytes[(offset + 8)..<(offset + 16)]) == [0, 0, 0, 0, 0, 0, 0, 0]) }
            offset += 8 + length + padding
        }
        #expect(collected == stdout)
        #expect(types == [6, 6, 6, 6, 3])
        #expect(FastCGIRecord.answer(id: 1, stdout: []) == Self.record(6) + Self.record(3, [0, 0, 0, 0, 0, 0, 0, 0]))
    }
}
