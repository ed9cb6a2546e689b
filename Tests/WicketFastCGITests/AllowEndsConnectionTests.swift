import Foundation
import Testing

@testable import WicketFastCGI

#if canImport(Glibc)
    import Glibc
#endif

/// nginx never keeps a FastCGI connection whose answer carried X-Accel-Redirect (it acts on the
/// headers and closes without reading the END_REQUEST; docs/benchmarks.md, "Issue 11, round 6"), so
/// the responder closes it itself right after writing an allow — from the answering thread — and keeps
/// every other answer's connection when FCGI_KEEP_CONN asks for it.
@Suite("An allow ends its connection; other answers keep it", .serialized)
struct AllowEndsConnectionTests {
    /// Waits up to 10 s for `condition` (no sleep-then-assert).
    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(1_000)
        }
        return condition()
    }

    @Test("an internal redirect is written whole, then the connection is closed although FCGI_KEEP_CONN was set")
    func allowCloses() throws {
        try withFastCGIServer(
            threads: 1,
            handler: { _ in .internalRedirect(to: "@wicket_mcp", headers: [.init("X-Wicket-Token", "Bearer up-1")]) }
        ) { server, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            let answer = try FastCGITestClient.request(
                on: fd, params: [("REQUEST_METHOD", "POST")], body: [1, 2, 3], keepConnection: true)
            #expect(answer.header("X-Accel-Redirect") == "@wicket_mcp" && answer.header("X-Wicket-Token") == "Bearer up-1")
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0, "the responder's end must be closed after an allow")
            // Counted out without nginx's hang-up: the client's end is still open.
            #expect(eventually { server.openConnections == 0 })
        }
    }

    @Test("a denial on a kept connection leaves it open for the next request, which may be an allow")
    func denialKeeps() throws {
        let count = Recorder<Int>()
        try withFastCGIServer(
            threads: 1,
            handler: { _ in
                count.append(1)
                return count.all.count < 3 ? .json(status: 403, body: "{}") : .internalRedirect(to: "@wicket_mcp")
            }
        ) { server, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            for _ in 0..<2 {
                let denied = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: true)
                #expect(denied.headerLines.first == "Status: 403 Forbidden")
            }
            #expect(server.openConnections == 1)
            let allowed = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: true)
            #expect(allowed.header("X-Accel-Redirect") == "@wicket_mcp")
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0)
            #expect(eventually { server.openConnections == 0 })
        }
    }

    @Test("allows answered later from other threads close every connection; the loop forgets them and drains")
    func deferredAllowsClose() throws {
        let queue = DispatchQueue(label: "answers", attributes: .concurrent)
        try withFastCGIServer(
            threads: 2,
            deferredHandler: { _, responder in queue.async { responder.respond(.internalRedirect(to: "@wicket_mcp")) } }
        ) { server, socket in
            for _ in 0..<50 {
                let fd = try FastCGITestClient.connect(socket)
                defer { close(fd) }
                let answer = try FastCGITestClient.request(on: fd, params: [], body: [7], keepConnection: true)
                #expect(answer.header("X-Accel-Redirect") == "@wicket_mcp")
                var byte: UInt8 = 0
                #expect(read(fd, &byte, 1) == 0)
            }
            #expect(eventually { server.openConnections == 0 })
            #expect(server.requestsRead == 50)
        }
    }
}

/// The answer's records are built in one buffer; they must be byte for byte the records of the CGI
/// encoding, for every size (one record, several), and say which answers redirect.
@Suite("The answer's records")
struct AnswerRecordsTests {
    @Test(
        "records equal FastCGIRecord.answer of the CGI bytes",
        arguments: [
            FastCGIResponse.internalRedirect(
                to: "@wicket_mcp", headers: [.init("X-Wicket-Token", "Bearer t"), .init("X-Wicket-Rule", "r")]),
            FastCGIResponse.json(status: 403, body: "{\"error\":1}"),
            FastCGIResponse(status: 599, headers: [.init("x-a", "")], body: [1]),
            FastCGIResponse(status: 200, body: [UInt8](repeating: 0x61, count: 65_400)),
            FastCGIResponse(status: 200, body: [UInt8](repeating: 0x62, count: 200_003)),
            FastCGIResponse(status: 413, headers: [.init("Content-Length", "0")]),
        ])
    func sameBytes(_ response: FastCGIResponse) throws {
        let cgi = try #require(response.encoded())
        let answer = try #require(response.answer(id: 0x0203))
        #expect(answer.bytes == FastCGIRecord.answer(id: 0x0203, stdout: cgi))
        #expect(answer.redirects == (response.header("X-Accel-Redirect") != nil))
    }

    @Test("the status line and Content-Length are written in decimal")
    func decimals() throws {
        let cgi = try #require(FastCGIResponse(status: 599, body: [UInt8](repeating: 1, count: 10_250)).encoded())
        let text = String(decoding: cgi.prefix(48), as: UTF8.self)
        #expect(text.hasPrefix("Status: 599\r\nContent-Length: 10250\r\n\r\n"))
        let redirect = try #require(FastCGIResponse.internalRedirect(to: "@x").encoded())
        #expect(String(decoding: redirect, as: UTF8.self) == "Status: 200 OK\r\nX-Accel-Redirect: @x\r\n\r\n")
    }

    @Test(
        "unsafe responses have no records",
        arguments: [
            FastCGIResponse(status: 99),
            FastCGIResponse(status: 600, body: [1]),
            FastCGIResponse(status: 200),
            FastCGIResponse(status: 403, headers: [.init("Bad Name", "x")]),
            FastCGIResponse(status: 403, headers: [.init("", "x")]),
            FastCGIResponse(status: 403, headers: [.init("X-A", "a\nb")]),
            FastCGIResponse(status: 403, headers: [.init("X-A", "a\u{0}b")]),
            FastCGIResponse(status: 403, headers: [.init("STATUS", "200")]),
            FastCGIResponse(status: 403, headers: [.init("X-Ä", "x")]),
            FastCGIResponse.internalRedirect(to: "@x", headers: [.init("Expires", "0")]),
            FastCGIResponse.internalRedirect(to: "@x", headers: [.init("SET-COOKIE", "a=1")]),
            FastCGIResponse.internalRedirect(to: "@x", headers: [.init("Content-Disposition", "a")]),
            FastCGIResponse.internalRedirect(to: "@x", headers: [.init("accept-Ranges", "bytes")]),
            FastCGIResponse(status: 200, headers: [.init("x-accel-REDIRECT", "@x"), .init("Cache-Control", "no-store")]),
        ])
    func unsafe(_ response: FastCGIResponse) {
        #expect(response.answer(id: 1) == nil)
        #expect(response.encoded() == nil)
    }

    @Test("a leaking header without a redirect is written")
    func leakingWithoutRedirect() {
        #expect(
            FastCGIResponse.json(status: 403, body: "{}", headers: [.init("Cache-Control", "no-store")]).answer(id: 1)?.redirects == false)
    }
}
