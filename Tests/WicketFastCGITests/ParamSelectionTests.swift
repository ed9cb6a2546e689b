import Foundation
import Testing

@testable import WicketFastCGI

/// The reader keeps only the selected params, matched by bytes in the params stream, over the real
/// wire protocol: missing, repeated, empty, look-alike and prefix names.
@Suite("FastCGI params read as bytes", .serialized)
struct ParamSelectionTests {
    static let selection = FastCGIParamSelection.only(["REMOTE_ADDR", "HTTP_ACCEPT", "WICKET_SERVER", "HTTP_MCP_NAME", "E"])

    /// Sends `params` to a server keeping `selection` and returns the request the handler saw.
    func received(
        _ params: [(String, String)], body: [UInt8] = [], selection: FastCGIParamSelection = Self.selection,
        maxBodyBytes: Int = 1 << 20
    ) throws -> FastCGIRequest? {
        let seen = Recorder<FastCGIRequest>()
        try withFastCGIServer(
            maxBodyBytes: maxBodyBytes, threads: 1, params: selection,
            handler: { request in
                seen.append(request)
                return .json(status: 403, body: "{}")
            }
        ) { _, socket in
            _ = try FastCGITestClient.send(to: socket, params: params, body: body)
        }
        return seen.all.first
    }

    @Test("only selected names are kept, every occurrence in arrival order, with empty values as empty strings")
    func keepsOnlySelected() throws {
        let request = try #require(
            try received([
                ("HTTP_ACCEPT_ENCODING", "gzip"), ("REMOTE_ADDR", "203.0.113.42"), ("HTTP_USER_AGENT", "x"),
                ("HTTP_ACCEPT", ""), ("REMOTE_ADDR", "10.0.0.1"), ("REMOTE_AD", "short"), ("EE", "long"), ("E", "one"),
                ("WICKET_SERVER", "database"),
            ]))
        #expect(
            request.params == [
                .init(name: "REMOTE_ADDR", value: "203.0.113.42"), .init(name: "HTTP_ACCEPT", value: ""),
                .init(name: "REMOTE_ADDR", value: "10.0.0.1"), .init(name: "E", value: "one"),
                .init(name: "WICKET_SERVER", value: "database"),
            ])
        #expect(request[param: "REMOTE_ADDR"] == "203.0.113.42", "the first of a repeated param wins")
        #expect(request[param: "HTTP_ACCEPT"] == "", "an empty value is present, not missing")
        #expect(request[param: "HTTP_MCP_NAME"] == nil, "a selected param nginx did not send is missing")
        #expect(request[param: "HTTP_USER_AGENT"] == nil, "an unselected param is never read")
    }

    @Test("a name is matched by its bytes: case, a canonically equivalent spelling and a trailing byte do not match")
    func bytesNotStrings() throws {
        let selection = FastCGIParamSelection.only(["HTTP_MCP_NAME", "caf\u{E9}"])
        let request = try #require(
            try received(
                [
                    ("http_mcp_name", "lower"), ("HTTP_MCP_NAME\u{0}", "nul"), ("cafe\u{301}", "decomposed"), ("caf\u{E9}", "composed"),
                ], selection: selection))
        #expect(request.params == [.init(name: "caf\u{E9}", value: "composed")])
        #expect(selection.keeps("caf\u{E9}") && !selection.keeps("cafe\u{301}") && !selection.keeps("HTTP_MCP_NAM"))
    }

    @Test("a value is everything after the name's `=`, other `=` included")
    func valuesAfterFirstEquals() throws {
        let request = try #require(try received([("WICKET_SERVER", "a=b=c"), ("REMOTE_ADDR", "=\u{E9}")]))
        #expect(request[param: "WICKET_SERVER"] == "a=b=c")
        #expect(request[param: "REMOTE_ADDR"] == "=\u{E9}")
    }

    @Test("CONTENT_LENGTH is read for the body limit even when the handler does not select it")
    func contentLengthWithoutSelection() throws {
        let over = try #require(try received([("CONTENT_LENGTH", "5000")], body: [UInt8](repeating: 7, count: 5000), maxBodyBytes: 100))
        #expect(over.body == .tooLarge(limit: 100))
        #expect(over[param: "CONTENT_LENGTH"] == nil)
        let within = try #require(try received([("CONTENT_LENGTH", "3")], body: [1, 2, 3], maxBodyBytes: 100))
        #expect(within.body == .complete([1, 2, 3]))
    }

    @Test("`all` keeps every param as before")
    func allKeepsEverything() throws {
        let request = try #require(try received([("A", "1"), ("B", ""), ("A", "2")], selection: .all))
        // libfcgi puts the role first.
        #expect(
            request.params == [
                .init(name: "FCGI_ROLE", value: "RESPONDER"), .init(name: "A", value: "1"), .init(name: "B", value: ""),
                .init(name: "A", value: "2"),
            ])
    }
}

/// The body reader against a CONTENT_LENGTH that does not match the bytes sent.
@Suite("FastCGI body against its declared length", .serialized)
struct DeclaredLengthTests {
    func body(declared: String?, sent: [UInt8], limit: Int) throws -> FastCGIRequest.Body? {
        try ParamSelectionTests().received(declared.map { [("CONTENT_LENGTH", $0)] } ?? [], body: sent, maxBodyBytes: limit)?.body
    }

    @Test("more bytes than declared are all kept, within the limit, and refused past it")
    func moreThanDeclared() throws {
        let sent = (0..<5000).map { UInt8($0 % 251) }
        #expect(try body(declared: "10", sent: sent, limit: 10_000) == .complete(sent))
        #expect(try body(declared: "10", sent: sent, limit: 4000) == .tooLarge(limit: 4000))
    }

    @Test("fewer bytes than declared: what arrived, nothing invented")
    func fewerThanDeclared() throws {
        #expect(try body(declared: "900", sent: [1, 2, 3], limit: 1000) == .complete([1, 2, 3]))
        #expect(try body(declared: "0", sent: [], limit: 1000) == .complete([]))
    }

    @Test("an unreadable or negative length is ignored and the bytes decide", arguments: ["abc", "-5", "", " 3"])
    func badLength(declared: String) throws {
        #expect(try body(declared: declared, sent: [9, 8, 7], limit: 1000) == .complete([9, 8, 7]))
        #expect(try body(declared: declared, sent: [UInt8](repeating: 1, count: 20_000), limit: 1000) == .tooLarge(limit: 1000))
    }
}
