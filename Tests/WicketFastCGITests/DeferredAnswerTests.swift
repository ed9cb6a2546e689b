import Foundation
import Logging
import Testing
import WicketTestSupport

@testable import WicketFastCGI

/// A request is answered through its one-shot responder, possibly later and from another thread (the
/// audit commit's): the event loop goes straight on with its other connections, the request slots bound
/// the requests in flight, and a draining shutdown waits for every pending answer.
@Suite("Answers given later through the responder", .serialized, .timeLimit(.minutes(1)))
struct DeferredAnswerTests {
    /// Responders a test handler keeps, to answer them when the test says.
    final class Held: @unchecked Sendable {
        // @unchecked Sendable: `responders` only under `lock`.
        private let lock = NSLock()
        private var responders: [FastCGIResponder] = []
        func append(_ responder: FastCGIResponder) { lock.lock(); responders.append(responder); lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return responders.count }
        /// Answers the oldest held request with `response`.
        func answerOldest(_ response: FastCGIResponse) {
            lock.lock()
            let responder = responders.removeFirst()
            lock.unlock()
            responder.respond(response)
        }
    }

    /// Sends a request on a thread of its own; its status line lands in `answers`.
    static func sendInBackground(_ socket: String, tag: String, into answers: Recorder<String>) {
        Thread {
            let answer = try? FastCGITestClient.send(to: socket, params: [("X_TAG", tag)], body: [])
            answers.append("\(tag) \(answer?.headerLines.first ?? "no answer")")
        }.start()
    }

    @Test("an answer given from another thread after the handler returned reaches the client")
    func answerFromAnotherThread() throws {
        let held = Held()
        try withFastCGIServer(deferredHandler: { _, responder in held.append(responder) }) { server, socket in
            let answers = Recorder<String>()
            Self.sendInBackground(socket, tag: "a", into: answers)
            try #require(waitUntil { held.count == 1 })
            #expect(server.inFlightRequests == 1, "the handler returned; the request is still in flight until answered")
            #expect(answers.all.isEmpty)
            Thread { held.answerOldest(.json(status: 403, body: "{}")) }.start()
            try #require(waitUntil { answers.all.count == 1 })
            #expect(answers.all == ["a Status: 403 Forbidden"])
            #expect(waitUntil { server.inFlightRequests == 0 })
        }
    }

    @Test("when every request slot is in flight nothing is accepted, then the next proceeds once one is answered")
    func poolBoundsRequestsInFlight() throws {
        let held = Held()
        let seen = Recorder<String>()
        try withFastCGIServer(
            threads: 2, requestsInFlight: 2,
            deferredHandler: { request, responder in
                seen.append(request[param: "X_TAG"] ?? "")
                held.append(responder)
            }
        ) { server, socket in
            let answers = Recorder<String>()
            Self.sendInBackground(socket, tag: "a", into: answers)
            Self.sendInBackground(socket, tag: "b", into: answers)
            try #require(waitUntil { held.count == 2 })
            // Both slots are taken: the listener is out of every loop's epoll set.
            try #require(waitUntil { !server.isAccepting })
            Self.sendInBackground(socket, tag: "c", into: answers)
            // The third connection is queued in the listen backlog; nobody accepts it while both are in flight.
            #expect(server.inFlightRequests == 2)
            #expect(seen.all.count == 2 && answers.all.isEmpty)
            held.answerOldest(.json(status: 403, body: "{}"))
            try #require(waitUntil { seen.all.count == 3 }, "answering one frees a slot, and the listener comes back")
            #expect(server.inFlightRequests == 2)
            held.answerOldest(.json(status: 403, body: "{}"))
            held.answerOldest(.json(status: 403, body: "{}"))
            try #require(waitUntil { answers.all.count == 3 })
            #expect(Set(answers.all.map { $0.split(separator: " ").dropFirst().joined(separator: " ") }) == ["Status: 403 Forbidden"])
            #expect(Set(seen.all) == ["a", "b", "c"])
        }
    }

    @Test("a draining shutdown answers the requests still pending before it stops")
    func drainingShutdownAnswersPending() throws {
        let held = Held()
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            let server = FastCGIServer(
                configuration: .init(socketPath: socket, threadCount: 2),
                logger: Logger(label: "wicket.fastcgi.test"),
                deferredHandler: { _, responder in held.append(responder) })
            try server.start()
            let answers = Recorder<String>()
            Self.sendInBackground(socket, tag: "a", into: answers)
            Self.sendInBackground(socket, tag: "b", into: answers)
            try #require(waitUntil { held.count == 2 })
            server.shutdown()
            // The pending answers are given only once `wait()` waits for them with the listener gone: a
            // `wait()` that returned before its answers never gets there. The mark is set before the
            // answers: once the last one is written `wait()` may return at once.
            let answered = Recorder<Int>()
            Thread {
                guard waitUntil({ server.isDrainingAnswers }) else { return }
                answered.append(2)
                held.answerOldest(.json(status: 403, body: "{}"))
                held.answerOldest(.internalRedirect(to: "@wicket_mcp"))
            }.start()
            server.wait()
            #expect(answered.all == [2], "wait() returned before the pending requests were answered")
            #expect(server.inFlightRequests == 0)
            try #require(waitUntil { answers.all.count == 2 })
            // Which of a and b a loop read first is the scheduler's choice: each got one answer.
            #expect(Set(answers.all.map { $0.split(separator: " ").first.map(String.init) ?? "" }) == ["a", "b"])
            #expect(
                Set(answers.all.map { $0.split(separator: " ").dropFirst().joined(separator: " ") }) == [
                    "Status: 403 Forbidden", "Status: 200 OK",
                ])
        }
    }

    @Test("a responder dropped without an answer answers 500; a second answer is dropped; both are counted")
    func responderMisuse() throws {
        try withFastCGIServer(deferredHandler: { request, responder in
            if request[param: "X_TAG"] == "twice" {
                responder.respond(.json(status: 403, body: "{}"))
                responder.respond(.internalRedirect(to: "@wicket_mcp"))
            }
            // "dropped": the responder goes away unanswered.
        }) { server, socket in
            let dropped = try FastCGITestClient.send(to: socket, params: [("X_TAG", "dropped")], body: [])
            #expect(dropped.headerLines.first == "Status: 500 Internal Server Error")
            #expect(dropped.header("X-Accel-Redirect") == nil)
            let twice = try FastCGITestClient.send(to: socket, params: [("X_TAG", "twice")], body: [])
            #expect(twice.headerLines.first == "Status: 403 Forbidden")
            #expect(twice.header("X-Accel-Redirect") == nil)
            #expect(waitUntil { server.responderErrors == 2 }, "the second answer is caught after the first reached the client")
            #expect(waitUntil { server.inFlightRequests == 0 })
        }
    }
}
