import Foundation
import Logging
import Testing
import WicketTestSupport

@testable import WicketFastCGI

#if canImport(Glibc)
    import Glibc
#endif

/// The event-loop front over real sockets: kept connections serve many requests each, a kept
/// connection waits for a slot without holding a thread, nginx going away or breaking the protocol
/// disturbs nothing else, a large answer is finished by the loop, and shutdown closes idle kept
/// connections.
@Suite("The event-loop FastCGI front", .serialized, .timeLimit(.minutes(1)))
struct EventLoopFrontTests {
    static let deny = FastCGIResponse.json(status: 403, body: "{}")

    @Test("a kept connection serves many requests: one connection accepted, every request read and answered")
    func manyRequestsOneConnection() throws {
        try withFastCGIServer(threads: 2, handler: { request in .json(status: 403, body: request[param: "N"] ?? "") }) { server, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            for index in 0..<150 {
                let answer = try FastCGITestClient.request(on: fd, params: [("N", "\(index)")], body: [], keepConnection: true)
                #expect(answer.body == "\(index)")
            }
            #expect(server.acceptedConnections == 1)
            #expect(server.requestsRead == 150)
            #expect(waitUntil { server.inFlightRequests == 0 })
        }
    }

    @Test("a kept connection whose next request finds no slot waits unread, then is served when one frees")
    func keptConnectionWaitsForSlot() throws {
        let held = DeferredAnswerTests.Held()
        let seen = Recorder<String>()
        try withFastCGIServer(
            threads: 1, requestsInFlight: 1,
            deferredHandler: { request, responder in
                seen.append(request[param: "X_TAG"] ?? "")
                if request[param: "X_TAG"] == "hold" { held.append(responder) } else { responder.respond(Self.deny) }
            }
        ) { server, socket in
            let kept = try FastCGITestClient.connect(socket)
            defer { close(kept) }
            _ = try FastCGITestClient.request(on: kept, params: [("X_TAG", "first")], body: [], keepConnection: true)
            let answers = Recorder<String>()
            DeferredAnswerTests.sendInBackground(socket, tag: "hold", into: answers)
            try #require(waitUntil { held.count == 1 })
            // The kept connection's next request: the one slot is taken, so it stays unread.
            let next = Recorder<String>()
            Thread {
                let answer = try? FastCGITestClient.request(on: kept, params: [("X_TAG", "second")], body: [], keepConnection: true)
                next.append(answer?.headerLines.first ?? "no answer")
            }.start()
            try #require(waitUntil { server.connectionsWaitingForSlot == 1 })
            #expect(seen.all == ["first", "hold"])
            held.answerOldest(Self.deny)
            try #require(waitUntil { next.all.count == 1 })
            #expect(next.all == ["Status: 403 Forbidden"])
            #expect(seen.all == ["first", "hold", "second"])
            #expect(waitUntil { answers.all.count == 1 })
        }
    }

    @Test("nginx closing while its request is with the handler: the late answer is dropped, nothing else is disturbed")
    func peerGoneWhileDeciding() throws {
        let held = DeferredAnswerTests.Held()
        try withFastCGIServer(
            threads: 1,
            deferredHandler: { request, responder in
                if request[param: "X_TAG"] == "hold" { held.append(responder) } else { responder.respond(Self.deny) }
            }
        ) { server, socket in
            let gone = try FastCGITestClient.connect(socket)
            try FastCGITestClient.writeAll(gone, Self.requestBytes(tag: "hold", keep: true))
            try #require(waitUntil { held.count == 1 })
            close(gone)
            // The loop is free: another connection is served while the first request waits.
            let other = try FastCGITestClient.send(to: socket, params: [("X_TAG", "other")], body: [])
            #expect(other.headerLines.first == "Status: 403 Forbidden")
            // The other's slot goes back just after its answer is written (the client may read first).
            #expect(waitUntil { server.inFlightRequests == 1 }, "the decided request still holds its slot until answered")
            held.answerOldest(Self.deny)
            #expect(waitUntil { server.inFlightRequests == 0 && server.openConnections == 0 })
            #expect(server.responderErrors == 0)
        }
    }

    @Test("a request nginx sent on a kept connection before closing it is still read and decided")
    func requestBeforeHangup() throws {
        let gate = Gate()
        defer { gate.open() }
        let seen = Recorder<String>()
        try withFastCGIServer(
            threads: 1,
            handler: { request in
                let tag = request[param: "X_TAG"] ?? ""
                if tag == "block" { gate.wait() }
                seen.append(tag)
                return Self.deny
            }
        ) { server, socket in
            let kept = try FastCGITestClient.connect(socket)
            _ = try FastCGITestClient.request(on: kept, params: [("X_TAG", "first")], body: [], keepConnection: true)
            // The one loop is held by another request while nginx sends one more and closes.
            Thread { _ = try? FastCGITestClient.send(to: socket, params: [("X_TAG", "block")], body: []) }.start()
            try #require(waitUntil { gate.waiters == 1 })
            try FastCGITestClient.writeAll(kept, Self.requestBytes(tag: "late", keep: true))
            close(kept)
            gate.open()
            #expect(waitUntil { seen.all.contains("late") }, "the request before the hang-up was dropped unread")
            #expect(waitUntil { server.inFlightRequests == 0 && server.openConnections == 0 })
        }
    }

    @Test("FCGI_ABORT_REQUEST for a request with the handler: its answer is still written")
    func abortAfterComplete() throws {
        let held = DeferredAnswerTests.Held()
        try withFastCGIServer(threads: 1, deferredHandler: { _, responder in held.append(responder) }) { server, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, Self.requestBytes(tag: "a", keep: true))
            try #require(waitUntil { held.count == 1 })
            try FastCGITestClient.writeAll(fd, FastCGITestClient.record(type: 2, content: []))
            held.answerOldest(Self.deny)
            let answer = try FastCGITestClient.readAnswer(fd)
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
            #expect(waitUntil { server.inFlightRequests == 0 })
        }
    }

    @Test("a malformed record closes that connection only")
    func malformedCloses() throws {
        try withFastCGIServer(threads: 1, handler: { _ in Self.deny }) { server, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, [9, 9, 9, 9, 9, 9, 9, 9])
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0, "the connection is closed")
            let answer = try FastCGITestClient.send(to: socket, params: [], body: [])
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
            #expect(waitUntil { server.inFlightRequests == 0 })
        }
    }

    @Test("an answer larger than the socket takes at once is finished by the loop, whole")
    func largeAnswer() throws {
        let body = (0..<6_000_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        try withFastCGIServer(threads: 1, handler: { _ in FastCGIResponse(status: 403, body: body) }) { server, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            let answer = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: true)
            #expect(Array(answer.body.utf8) == body)
            let second = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: true)
            #expect(second.body.utf8.count == body.count, "the kept connection is read again after the queued answer")
            #expect(server.acceptedConnections == 1)
        }
    }

    @Test("shutdown closes idle kept connections, answers the request with the handler, then returns")
    func shutdownWithKeptConnections() throws {
        let held = DeferredAnswerTests.Held()
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            let server = FastCGIServer(
                configuration: .init(socketPath: socket, threadCount: 2), logger: Logger(label: "wicket.fastcgi.test"),
                deferredHandler: { request, responder in
                    if request[param: "X_TAG"] == "hold" { held.append(responder) } else { responder.respond(Self.deny) }
                })
            try server.start()
            let idle = try FastCGITestClient.connect(socket)
            defer { close(idle) }
            _ = try FastCGITestClient.request(on: idle, params: [], body: [], keepConnection: true)
            let busy = try FastCGITestClient.connect(socket)
            defer { close(busy) }
            try FastCGITestClient.writeAll(busy, Self.requestBytes(tag: "hold", keep: true))
            try #require(waitUntil { held.count == 1 })
            server.shutdown()
            var byte: UInt8 = 0
            #expect(read(idle, &byte, 1) == 0, "the idle kept connection is closed")
            Thread {
                guard waitUntil({ server.isDrainingAnswers }) else { return }
                held.answerOldest(Self.deny)
            }.start()
            server.wait()
            #expect(server.inFlightRequests == 0 && server.openConnections == 0)
            let answer = try FastCGITestClient.readAnswer(busy)
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
            #expect(read(busy, &byte, 1) == 0, "the kept connection closes after its answer once the server drains")
        }
    }

    /// One request's records, with `X_TAG` = `tag`.
    static func requestBytes(tag: String, keep: Bool) -> [UInt8] {
        let name = Array("X_TAG".utf8)
        let value = Array(tag.utf8)
        return FastCGITestClient.record(type: 1, content: [0, 1, keep ? 1 : 0, 0, 0, 0, 0, 0])
            + FastCGITestClient.record(type: 4, content: [UInt8(name.count), UInt8(value.count)] + name + value)
            + FastCGITestClient.record(type: 4, content: []) + FastCGITestClient.record(type: 5, content: [])
    }
}
