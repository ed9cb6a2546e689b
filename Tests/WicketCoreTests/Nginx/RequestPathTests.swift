import Foundation
import Testing
import WicketFastCGI
import WicketTestSupport

@testable import WicketCore

/// The request path of docs/architecture.md end to end: real nginx from ``NginxConfig/standaloneConfig()``, an in-process
/// ``FastCGIServer`` and an upstream that counts what reaches it.
@Suite(
    "nginx + FastCGI request path", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: NginxHarness.available, "no nginx or curl binary on this machine"))
struct RequestPathTests {
    static let denyBody = #"{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"denied by policy `release-window block`"}}"#

    /// What the test handler answers, chosen by the client's `X-Test` header. `hang` and `slow` wait
    /// at `gate` until the test opens it.
    static func handler(seen: Recorder<FastCGIRequest>, gate: Gate) -> FastCGIServer.Handler {
        { request in
            seen.append(request)
            let allow = FastCGIResponse.internalRedirect(
                to: NginxConfig.mcpLocation,
                headers: [
                    .init("X-Wicket-Token", "Bearer upstream-credential"),
                    .init("X-Wicket-Decision", "allow"),
                    .init("X-Wicket-Rule", "business-hours"),
                ])
            if case .tooLarge = request.body {
                return .json(status: 413, body: #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"body too large"}}"#)
            }
            switch request.header("X-Test") {
            case "deny":
                return .json(
                    status: 403, body: denyBody,
                    headers: [
                        .init("X-Wicket-Token", "must-not-leak"),
                        .init("X-Wicket-Decision", "deny"),
                        .init("X-Wicket-Rule", "release-window block"),
                    ])
            case "hang":
                gate.wait()
                return allow
            case "notoken":
                return .internalRedirect(to: NginxConfig.mcpLocation, headers: [.init("X-Wicket-Token", "")])
            case "slow":
                gate.wait()
                return allow
            default:
                return allow
            }
        }
    }

    func withPath<T>(
        startServer: Bool = true, maxBodyBytes: Int = 1 << 20, fastcgiTimeoutMilliseconds: Int = 1000,
        gate: Gate = Gate(), _ body: (NginxHarness, Recorder<FastCGIRequest>) throws -> T
    ) throws -> T {
        let harness = try NginxHarness(fastcgiTimeoutMilliseconds: fastcgiTimeoutMilliseconds)
        defer { harness.stop() }
        defer { gate.open() }  // before the stop: no handler is left waiting
        let seen = Recorder<FastCGIRequest>()
        try harness.startUpstream()
        if startServer { try harness.startServer(maxBodyBytes: maxBodyBytes, handler: Self.handler(seen: seen, gate: gate)) }
        try harness.startNginx()
        return try body(harness, seen)
    }

    static let toolsCall = Array(
        #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_records","arguments":{"table":"prod.customer_records","note":"ünïcode ✓"}}}"#
            .utf8)

    static func expectUnavailable(_ result: Curl.Result) {
        #expect(result.status == 503)
        #expect(result.header("Content-Type") == "application/json")
        #expect(result.text.contains(#""code":-32603"#))
        #expect(result.text.contains("the authorization service is unavailable"))
    }

    @Test("allow: upstream gets the same method, byte-identical body and Wicket's credential; no X-Wicket-* reaches the client")
    func allow() throws {
        try withPath { harness, seen in
            let result = try Curl.run(
                [
                    "-H", "Content-Type: application/json", "-H", "Authorization: Bearer wicket-member-key",
                    "-H", "Mcp-Session-Id: mcp_sess_7k91", harness.url,
                ], body: Self.toolsCall)
            #expect(result.status == 200, "\(harness.errorLog)")
            #expect(result.text == #"{"jsonrpc":"2.0","id":1,"result":{"ok":true}}"#, "the MCP server's own X-Accel-Redirect is ignored")
            #expect(result.header("X-Upstream") == "yes")
            #expect(!result.headers.contains { $0.lowercased().hasPrefix("x-wicket") })
            let requests = try harness.upstreamRequests()
            try #require(requests.count == 1)
            #expect(requests[0]["method"] as? String == "POST")
            #expect(requests[0]["path"] as? String == "/mcp")
            #expect(requests[0]["authorization"] as? String == "Bearer upstream-credential")
            #expect(requests[0]["body"] as? String == Self.toolsCall.map { String(format: "%02x", $0) }.joined())

            let request = try #require(seen.all.first)
            #expect(request.bodyBytes == Self.toolsCall)
            #expect(request[param: "WICKET_SERVER"] == "database")
            #expect(request[param: "WICKET_REQUEST_ID"]?.count == 32)
            #expect(request.remoteAddress == "127.0.0.1")
            #expect(request.method == "POST")
            #expect(request.header("Authorization") == "Bearer wicket-member-key")
            #expect(request.header("Mcp-Session-Id") == "mcp_sess_7k91")
            #expect(request[param: "CONTENT_LENGTH"] == "\(Self.toolsCall.count)")
        }
    }

    @Test("allow with an empty token: the client's Wicket key never reaches the upstream")
    func emptyTokenSendsNoAuthorization() throws {
        try withPath { harness, _ in
            let result = try Curl.run(
                [
                    "-H", "X-Test: notoken", "-H", "Authorization: Bearer wicket-member-key", harness.url,
                ], body: Self.toolsCall)
            #expect(result.status == 200)
            let requests = try harness.upstreamRequests()
            try #require(requests.count == 1)
            #expect(requests[0]["authorization"] is NSNull)
        }
    }

    @Test("allow keeps DELETE a DELETE")
    func allowKeepsMethod() throws {
        try withPath { harness, _ in
            let result = try Curl.run(["-X", "DELETE", "-H", "Mcp-Session-Id: s", harness.url])
            #expect(result.status == 200)
            #expect(try harness.upstreamRequests().map { $0["method"] as? String } == ["DELETE"])
        }
    }

    @Test("deny: the client gets Wicket's 403 JSON-RPC body without X-Wicket-* and the upstream gets nothing")
    func deny() throws {
        try withPath { harness, _ in
            let result = try Curl.run(["-H", "X-Test: deny", harness.url], body: Self.toolsCall)
            #expect(result.status == 403)
            #expect(result.text == Self.denyBody)
            #expect(result.header("Content-Type") == "application/json")
            #expect(!result.headers.contains { $0.lowercased().hasPrefix("x-wicket") })
            #expect(try harness.upstreamRequests().isEmpty)
        }
    }

    @Test("Wicket not running (socket missing): nginx answers 503 JSON-RPC and the upstream gets nothing")
    func socketMissing() throws {
        try withPath(startServer: false) { harness, _ in
            let result = try Curl.run([harness.url], body: Self.toolsCall)
            Self.expectUnavailable(result)
            #expect(try harness.upstreamRequests().isEmpty)
        }
    }

    @Test("Wicket stopped after serving: 503 JSON-RPC, upstream count unchanged")
    func serverStopped() throws {
        try withPath { harness, _ in
            #expect(try Curl.run([harness.url], body: Self.toolsCall).status == 200)
            harness.server?.shutdown()
            harness.server?.wait()
            Self.expectUnavailable(try Curl.run([harness.url], body: Self.toolsCall))
            #expect(try harness.upstreamRequests().count == 1)
        }
    }

    @Test("Wicket hanging past fastcgi_read_timeout: 503 JSON-RPC, and its late allow never reaches the upstream")
    func handlerHangs() throws {
        let gate = Gate()
        try withPath(fastcgiTimeoutMilliseconds: 500, gate: gate) { harness, _ in
            let server = try #require(harness.server)
            let result = try Curl.run(["-H", "X-Test: hang", harness.url], body: Self.toolsCall)
            Self.expectUnavailable(result)
            // The handler is still held at the gate: the 503 is nginx giving up, not an answer.
            #expect(gate.waiters == 1 && server.inFlightRequests == 1, "nginx gave up before the handler answered")
            gate.open()
            #expect(waitUntil { server.inFlightRequests == 0 }, "the handler's late allow was written")
            #expect(try harness.upstreamRequests().isEmpty)
        }
    }

    @Test("SSE: the first event reaches the client while the upstream still holds the stream open")
    func sseUnbuffered() throws {
        try withPath { harness, _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-sS", "-N", "--max-time", "20", "-H", "Accept: text/event-stream", harness.url]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            var received = ""
            while !received.contains("data: one") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                received += String(decoding: chunk, as: UTF8.self)
            }
            #expect(received.contains("data: one"))
            #expect(!received.contains("data: two"), "the first event must not wait for the end of the stream")
            try harness.releaseStream()
            received += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(received.contains("data: two"))
            #expect(try harness.upstreamRequests().map { $0["method"] as? String } == ["GET"])
        }
    }

    @Test("graceful shutdown: the in-flight request is still answered and forwarded; the next one gets 503")
    func gracefulShutdown() throws {
        let gate = Gate()
        try withPath(fastcgiTimeoutMilliseconds: 3000, gate: gate) { harness, _ in
            let server = try #require(harness.server)
            let inFlight = Recorder<Curl.Result>()
            let client = Thread {
                if let result = try? Curl.run(["-H", "X-Test: slow", harness.url], body: Self.toolsCall) {
                    inFlight.append(result)
                }
            }
            client.start()
            // The request is held at the gate, in flight, when the shutdown starts.
            try #require(waitUntil { gate.waiters == 1 })
            try #require(server.inFlightRequests == 1)
            server.shutdown()
            gate.open()
            server.wait()
            let done = Date().addingTimeInterval(5)
            while inFlight.all.isEmpty && Date() < done { usleep(5_000) }
            #expect(inFlight.all.first?.status == 200)
            #expect(try harness.upstreamRequests().count == 1)
            Self.expectUnavailable(try Curl.run([harness.url], body: Self.toolsCall))
            #expect(try harness.upstreamRequests().count == 1)
        }
    }

    @Test("body over Wicket's limit: 413 from Wicket, nothing forwarded")
    func bodyOverWicketLimit() throws {
        try withPath(maxBodyBytes: 4096) { harness, seen in
            let big = [UInt8](repeating: 0x20, count: 300_000)
            let result = try Curl.run(["-H", "Content-Type: application/json", harness.url], body: big)
            #expect(result.status == 413, "\(harness.errorLog)")
            #expect(result.text.contains("body too large"))
            #expect(seen.all.first?.body == .tooLarge(limit: 4096))
            #expect(try harness.upstreamRequests().isEmpty)
        }
    }

    @Test("body over nginx's client_max_body_size: nginx's 413 JSON-RPC error, Wicket never asked")
    func bodyOverNginxLimit() throws {
        try withPath { harness, seen in
            let big = [UInt8](repeating: 0x20, count: 2 << 20)
            let result = try Curl.run([harness.url], body: big)
            #expect(result.status == 413)
            #expect(result.text.contains(#""code":-32600"#))
            #expect(seen.all.isEmpty)
            #expect(try harness.upstreamRequests().isEmpty)
        }
    }
}
