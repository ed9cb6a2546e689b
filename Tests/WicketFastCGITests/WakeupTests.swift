import Foundation
import Logging
import Testing
import WicketTestSupport

@testable import WicketFastCGI

#if canImport(Glibc)
    import Glibc
#endif

/// What one request costs the front in wake-ups (issue 11, round 5: the one-connection path): a request
/// written with the connect is read in the wake-up that accepts it, an answer given on the loop's own
/// thread closes its connection without waking the loop again, and giving the last slot back while
/// serving wakes no thread waiting on the server.
///
/// Each test holds the only loop in a handler while the client connects and writes, so that the
/// connection and its bytes are both waiting when the loop next wakes: the count of wake-ups is then
/// exact, not a matter of timing.
@Suite("The front's wake-ups per request", .serialized, .timeLimit(.minutes(1)))
struct WakeupTests {
    static let deny = FastCGIResponse.json(status: 403, body: "{}")

    /// Runs `body` with a one-loop server whose handler blocks on `gate` for requests tagged `block`,
    /// after a kept connection's `block` request holds the loop (the connection stays open and idle,
    /// so it raises no event of its own).
    func withHeldLoop(_ body: (FastCGIServer, String, Gate) throws -> Void) throws {
        let gate = Gate()
        defer { gate.open() }
        try withFastCGIServer(
            threads: 1,
            handler: { request in
                if request[param: "X_TAG"] == "block" { gate.wait() }
                return Self.deny
            }
        ) { server, socket in
            let holder = try FastCGITestClient.connect(socket)
            defer { close(holder) }
            try FastCGITestClient.writeAll(holder, EventLoopFrontTests.requestBytes(tag: "block", keep: true))
            try #require(waitUntil { gate.waiters == 1 })
            try body(server, socket, gate)
            let held = try FastCGITestClient.readAnswer(holder)
            #expect(held.headerLines.first == "Status: 403 Forbidden")
        }
    }

    @Test("a request written with the connect is read and answered in the wake-up that accepts it")
    func readAtAccept() throws {
        try withHeldLoop { server, socket, gate in
            let before = server.loopWakeups
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, EventLoopFrontTests.requestBytes(tag: "next", keep: true))
            gate.open()
            let answer = try FastCGITestClient.readAnswer(fd)
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
            #expect(server.loopWakeups - before == 1, "the loop waited for another event before reading the new connection")
            #expect(server.acceptedConnections == 2)
        }
    }

    @Test("an answer given on the loop's thread closes its connection in the same wake-up, without the eventfd")
    func closeWithoutWakeup() throws {
        try withHeldLoop { server, socket, gate in
            let before = server.loopWakeups
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, EventLoopFrontTests.requestBytes(tag: "next", keep: false))
            gate.open()
            let answer = try FastCGITestClient.readAnswer(fd)
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0, "the connection is closed after its answer")
            #expect(waitUntil { server.openConnections == 1 }, "only the holder's connection is left open")
            #expect(server.loopWakeups - before == 1, "closing the answered connection took another wake-up")
        }
    }

    @Test("an end of file behind a request in the same read is noticed: the kept connection closes after its answer")
    func endOfFileBehindRequest() throws {
        try withHeldLoop { server, socket, gate in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, EventLoopFrontTests.requestBytes(tag: "next", keep: true))
            // The request and the end of file wait together; the read that gets the request is short.
            shutdown(fd, Int32(SHUT_WR))
            gate.open()
            let answer = try FastCGITestClient.readAnswer(fd)
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0, "the end of file behind the request went unseen: the connection stays open")
            #expect(waitUntil { server.openConnections == 1 })
        }
    }

    @Test("an idle kept connection nginx closes is noticed and closed; its descriptor number serves the next")
    func peerCloseNoticed() throws {
        try withFastCGIServer(threads: 1, handler: { _ in Self.deny }) { server, socket in
            for round in 0..<20 {
                let fd = try FastCGITestClient.connect(socket)
                let answer = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: true)
                #expect(answer.headerLines.first == "Status: 403 Forbidden")
                close(fd)
                #expect(waitUntil { server.openConnections == 0 }, "round \(round): the closed connection was not noticed")
            }
            #expect(server.acceptedConnections == 20)
            #expect(waitUntil { server.inFlightRequests == 0 })
        }
    }

    @Test("giving the last slot back while serving does not wake the thread in wait()")
    func lastSlotWakesNobody() throws {
        try withFastCGIServer(threads: 1, handler: { _ in Self.deny }) { server, socket in
            let waiting = Thread { server.wait() }
            waiting.start()
            try #require(waitUntil { server.waitPasses == 1 })
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            for _ in 0..<50 {
                _ = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: true)
                try #require(waitUntil { server.inFlightRequests == 0 })
            }
            // A spurious wake-up of a condition variable is allowed, not one per request.
            #expect(server.waitPasses <= 2, "wait() woke \(server.waitPasses - 1) times for 50 requests")
        }
    }
}
