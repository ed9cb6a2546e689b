import Foundation
import Logging
import Testing
import WicketTestSupport

@testable import WicketFastCGI

@Suite("FastCGIServer over the FastCGI wire protocol", .serialized)
struct FastCGIServerTests {
    static let logger = Logger(label: "wicket.fastcgi.test")

    @Test("the first of two params with the same name wins, as FCGX_GetParam does")
    func firstParamWins() throws {
        let seen = Recorder<String>()
        try withFastCGIServer(handler: { request in
            seen.append(request[param: "REMOTE_ADDR"] ?? "none")
            seen.append(request.header("Mcp-Session-Id") ?? "none")
            return .internalRedirect(to: "@wicket_mcp")
        }) { _, socket in
            _ = try FastCGITestClient.send(
                to: socket,
                params: [("REMOTE_ADDR", "203.0.113.42"), ("HTTP_MCP_SESSION_ID", "s1"), ("REMOTE_ADDR", "10.0.0.1")],
                body: [])
        }
        #expect(seen.all == ["203.0.113.42", "s1"])
    }

    @Test("the body arrives byte-identical and the allow answer has no body")
    func bodyAndAllowAnswer() throws {
        let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"délete"}}"#.utf8) + [0, 255, 10]
        let seen = Recorder<[UInt8]>()
        let answer = try withFastCGIServer(handler: { request in
            seen.append(request.bodyBytes ?? [])
            return .internalRedirect(to: "@wicket_mcp", headers: [.init("X-Wicket-Token", "Bearer up-1")])
        }) { _, socket in
            try FastCGITestClient.send(
                to: socket, params: [("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", "\(body.count)")], body: body)
        }
        #expect(seen.all == [body])
        #expect(answer.headerLines.first == "Status: 200 OK")
        #expect(answer.header("X-Accel-Redirect") == "@wicket_mcp")
        #expect(answer.header("X-Wicket-Token") == "Bearer up-1")
        #expect(answer.header("Content-Length") == nil)
        #expect(answer.body.isEmpty)
    }

    @Test("a body over the limit is reported as too large, not kept, and the answer still arrives")
    func bodyOverLimit() throws {
        let seen = Recorder<FastCGIRequest.Body>()
        let big = [UInt8](repeating: 0x41, count: 300_000)
        let answer = try withFastCGIServer(
            maxBodyBytes: 1000,
            handler: { request in
                seen.append(request.body)
                if case .tooLarge = request.body {
                    return .json(status: 413, body: #"{"error":"too large"}"#)
                }
                return .internalRedirect(to: "@wicket_mcp")
            }
        ) { _, socket in
            // No CONTENT_LENGTH: the limit must hold on the bytes actually read too.
            try FastCGITestClient.send(to: socket, params: [("REQUEST_METHOD", "POST")], body: big)
        }
        #expect(seen.all == [.tooLarge(limit: 1000)])
        #expect(answer.headerLines.first == "Status: 413 Content Too Large")
        #expect(answer.body == #"{"error":"too large"}"#)
        #expect(answer.header("Content-Length") == "21")
    }

    @Test("a body exactly at the limit is complete")
    func bodyAtLimit() throws {
        let seen = Recorder<Int>()
        try withFastCGIServer(
            maxBodyBytes: 1000,
            handler: { request in
                seen.append(request.bodyBytes?.count ?? -1)
                return .internalRedirect(to: "@wicket_mcp")
            }
        ) { _, socket in
            _ = try FastCGITestClient.send(to: socket, params: [("CONTENT_LENGTH", "1000")], body: [UInt8](repeating: 1, count: 1000))
        }
        #expect(seen.all == [1000])
    }

    @Test("a header value carrying CRLF is never written; the client gets a 500 instead")
    func headerInjectionFailsClosed() throws {
        let answer = try withFastCGIServer(handler: { _ in
            .internalRedirect(to: "@wicket_mcp", headers: [.init("X-Wicket-Token", "a\r\nSet-Cookie: x=1")])
        }) { _, socket in
            try FastCGITestClient.send(to: socket, params: [], body: [])
        }
        #expect(answer.headerLines.first == "Status: 500 Internal Server Error")
        #expect(answer.header("Set-Cookie") == nil)
        #expect(answer.header("X-Accel-Redirect") == nil)
    }

    @Test(
        "answers nginx would mishandle are replaced by a 500",
        arguments: [
            FastCGIResponse.internalRedirect(to: "@wicket_mcp", headers: [.init("Set-Cookie", "a=1")]),
            FastCGIResponse.internalRedirect(to: "@wicket_mcp", headers: [.init("cache-control", "no-store")]),
            FastCGIResponse(status: 200),
            FastCGIResponse(status: 99),
            FastCGIResponse(status: 403, headers: [.init("Bad Name", "x")]),
        ])
    func unsafeAnswersFailClosed(response: FastCGIResponse) throws {
        let answer = try withFastCGIServer(handler: { _ in response }) { _, socket in
            try FastCGITestClient.send(to: socket, params: [], body: [])
        }
        #expect(answer.headerLines.first == "Status: 500 Internal Server Error")
        #expect(answer.header("X-Accel-Redirect") == nil)
        #expect(answer.body.contains("-32603"))
    }

    @Test("long header values survive intact (no printf formatting)")
    func longHeaderValue() throws {
        let token = "Bearer " + String(repeating: "%zu%s", count: 800)
        let answer = try withFastCGIServer(handler: { _ in
            .internalRedirect(to: "@wicket_mcp", headers: [.init("X-Wicket-Token", token)])
        }) { _, socket in
            try FastCGITestClient.send(to: socket, params: [], body: [])
        }
        #expect(answer.header("X-Wicket-Token") == token)
    }

    @Test("shutdown lets the in-flight request finish, then removes the socket")
    func gracefulShutdown() throws {
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            let gate = Gate()
            defer { gate.open() }
            let server = FastCGIServer(
                configuration: .init(socketPath: socket, threadCount: 2),
                logger: Self.logger,
                handler: { _ in
                    gate.wait()
                    return .json(status: 403, body: "{}")
                })
            try server.start()
            let result = Recorder<String>()
            let client = Thread {
                let answer = try? FastCGITestClient.send(to: socket, params: [], body: [])
                result.append(answer?.headerLines.first ?? "no answer")
            }
            client.start()
            // The request is held at the gate, in flight, while the shutdown starts.
            try #require(waitUntil { gate.waiters == 1 })
            #expect(server.inFlightRequests == 1)
            server.shutdown()
            #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed as soon as shutdown starts")
            #expect(throws: (any Error).self) { try FastCGITestClient.connect(socket) }
            #expect(server.inFlightRequests == 1, "shutdown does not drop the request in flight")
            gate.open()
            server.wait()
            #expect(server.inFlightRequests == 0)
            let done = Date().addingTimeInterval(5)
            while result.all.isEmpty && Date() < done { usleep(5_000) }
            #expect(result.all == ["Status: 403 Forbidden"])
        }
    }

    @Test("wait returns after the grace period when a handler never finishes")
    func gracePeriodBoundsShutdown() throws {
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            let gate = Gate()
            defer { gate.open() }
            let server = FastCGIServer(
                configuration: .init(socketPath: socket, threadCount: 1, shutdownGracePeriod: .milliseconds(200)),
                logger: Self.logger,
                handler: { _ in
                    gate.wait()
                    return .json(status: 403, body: "{}")
                })
            try server.start()
            Thread { _ = try? FastCGITestClient.send(to: socket, params: [], body: []) }.start()
            try #require(waitUntil { gate.waiters == 1 })
            server.shutdown()
            server.wait()
            // wait() returned while the handler is still held: the grace period, not the handler, ended it.
            #expect(gate.waiters == 1)
        }
    }
}
