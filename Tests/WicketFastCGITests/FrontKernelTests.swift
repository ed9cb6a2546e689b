import Foundation
import Logging
import Testing
import WicketTestSupport

@testable import WicketFastCGI

#if canImport(Glibc)
    import Glibc
#endif

/// What the front asks of the kernel (issue 11, round 7): the loops' threads run under SCHED_BATCH
/// unless configured off or started under a policy the operator chose, and a connection joins its
/// loop's epoll set only when it must wait — an allow that arrives with its connect never does, while
/// a connection whose request is late, or that a denial keeps, is still watched and served.
///
/// The epoll tests hold the only loop in a handler while the client connects and writes, so the
/// connection and its bytes are both waiting when the loop next runs: the registration counts are
/// then exact, not a matter of timing.
@Suite("The front and the kernel", .serialized, .timeLimit(.minutes(1)))
struct FrontKernelTests {
    static let deny = FastCGIResponse.json(status: 403, body: "{}")
    static let allow = FastCGIResponse.internalRedirect(to: "@wicket_mcp")
    /// SCHED_IDLE (include/uapi/linux/sched.h), a policy an operator may choose (`chrt -i 0`).
    static let schedIdle: Int32 = 5

    /// Starts a server from a thread of its own that first runs under `policy` (nil: as the test's
    /// thread), so the loops inherit it as they would from `chrt`; returns the loops' policies.
    func loopPolicies(batchScheduling: Bool, startingUnder policy: Int32?) throws -> [Int32] {
        try withTemporaryDirectory { dir in
            let server = FastCGIServer(
                configuration: .init(socketPath: dir + "/wicket.sock", threadCount: 2, batchScheduling: batchScheduling),
                logger: Logger(label: "wicket.fastcgi.test"), handler: { _ in Self.deny })
            let started = Recorder<String>()
            let starter = Thread {
                if let policy {
                    var parameter = sched_param()
                    guard sched_setscheduler(0, policy, &parameter) == 0 else {
                        return started.append("could not set policy \(policy): errno \(errno)")
                    }
                }
                do {
                    try server.start()
                    started.append("ok")
                } catch {
                    started.append("\(error)")
                }
            }
            starter.start()
            try #require(waitUntil { started.all.count == 1 })
            try #require(started.all == ["ok"])
            defer {
                server.shutdown()
                server.wait()
            }
            try #require(waitUntil { !server.loopSchedulingPolicies.contains(-1) })
            return server.loopSchedulingPolicies
        }
    }

    @Test("the event loops' threads run under SCHED_BATCH")
    func loopsBatch() throws {
        #expect(try loopPolicies(batchScheduling: true, startingUnder: nil) == [BatchScheduling.batchPolicy, BatchScheduling.batchPolicy])
    }

    @Test("with batch scheduling off the loops keep the default policy")
    func batchOff() throws {
        #expect(try loopPolicies(batchScheduling: false, startingUnder: SCHED_OTHER) == [SCHED_OTHER, SCHED_OTHER])
    }

    @Test("a policy the operator chose for the process is kept")
    func operatorPolicyKept() throws {
        #expect(try loopPolicies(batchScheduling: true, startingUnder: Self.schedIdle) == [Self.schedIdle, Self.schedIdle])
    }

    /// Runs `body` with a one-loop server whose handler answers by `X_TAG` (`block` waits on the gate,
    /// then denies; `allow` redirects; `later` is answered with a denial from another thread; anything
    /// else denies), after a `block` request holds the loop. The holder's connection is not kept, so
    /// it joins the epoll set at most before `body` runs (if its bytes came after its accept).
    func withHeldLoop(_ body: (FastCGIServer, String, Gate) throws -> Void) throws {
        let gate = Gate()
        defer { gate.open() }
        try withFastCGIServer(
            threads: 1,
            deferredHandler: { request, responder in
                switch request[param: "X_TAG"] {
                case "block":
                    gate.wait()
                    responder.respond(Self.deny)
                case "allow": responder.respond(Self.allow)
                case "later": Thread { responder.respond(Self.deny) }.start()
                default: responder.respond(Self.deny)
                }
            }
        ) { server, socket in
            let holder = try FastCGITestClient.connect(socket)
            defer { close(holder) }
            try FastCGITestClient.writeAll(holder, EventLoopFrontTests.requestBytes(tag: "block", keep: false))
            try #require(waitUntil { gate.waiters == 1 })
            try body(server, socket, gate)
            let held = try FastCGITestClient.readAnswer(holder)
            #expect(held.headerLines.first == "Status: 403 Forbidden")
        }
    }

    @Test("an allow written with its connect is read, answered and closed without joining the epoll set")
    func allowNeverWatched() throws {
        try withHeldLoop { server, socket, gate in
            let before = server.connectionRegistrations
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, EventLoopFrontTests.requestBytes(tag: "allow", keep: true))
            gate.open()
            let answer = try FastCGITestClient.readAnswer(fd)
            #expect(answer.header("X-Accel-Redirect") == "@wicket_mcp")
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0, "the allow's connection is closed")
            #expect(waitUntil { server.openConnections == 0 })
            #expect(server.connectionRegistrations - before == 0, "the allow's connection joined the epoll set")
        }
    }

    @Test("a connection kept after a denial from another thread joins the epoll set and its next request is served")
    func keptAfterLaterDenial() throws {
        try withHeldLoop { server, socket, gate in
            let before = server.connectionRegistrations
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            try FastCGITestClient.writeAll(fd, EventLoopFrontTests.requestBytes(tag: "later", keep: true))
            gate.open()
            let first = try FastCGITestClient.readAnswer(fd)
            #expect(first.headerLines.first == "Status: 403 Forbidden")
            // Once, after its denial (written from the other thread, which then registers it).
            #expect(waitUntil { server.connectionRegistrations - before == 1 })
            for tag in ["later", "next", "allow"] {
                try FastCGITestClient.writeAll(fd, EventLoopFrontTests.requestBytes(tag: tag, keep: true))
                let answer = try FastCGITestClient.readAnswer(fd)
                #expect(answer.raw.isEmpty == false, "\(tag) was not answered")
            }
            #expect(server.connectionRegistrations - before == 1, "a kept connection joined the epoll set twice")
            #expect(server.acceptedConnections == 2)
        }
    }

    @Test("a connection whose request comes after the accept joins the epoll set and is served")
    func lateRequestWatched() throws {
        try withHeldLoop { server, socket, gate in
            let before = server.connectionRegistrations
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            // Half a request first: the loop reads it at the accept and must wait for the rest.
            let bytes = EventLoopFrontTests.requestBytes(tag: "allow", keep: true)
            try FastCGITestClient.writeAll(fd, Array(bytes[..<12]))
            gate.open()
            try #require(waitUntil { server.connectionRegistrations - before == 1 })
            try FastCGITestClient.writeAll(fd, Array(bytes[12...]))
            let answer = try FastCGITestClient.readAnswer(fd)
            #expect(answer.header("X-Accel-Redirect") == "@wicket_mcp")
            // And one that sends nothing until the loop is idle again.
            let silent = try FastCGITestClient.connect(socket)
            defer { close(silent) }
            try #require(waitUntil { server.connectionRegistrations - before == 2 })
            try FastCGITestClient.writeAll(silent, EventLoopFrontTests.requestBytes(tag: "next", keep: false))
            #expect(try FastCGITestClient.readAnswer(silent).headerLines.first == "Status: 403 Forbidden")
        }
    }
}
