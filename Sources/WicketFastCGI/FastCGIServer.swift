import CLinuxIO
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Wicket's own FastCGI responder (FastCGI 1.0, responder role) on a Unix socket.
///
/// ``Configuration/threadCount`` event loops (each its own pthread running `epoll_wait`, never the
/// Swift concurrency pool; FastCGIEventLoop.swift) share the listening socket and own the connections
/// they accept. A loop reads each connection's records (FastCGIRequestParser.swift) and hands a
/// complete request to the handler with a ``FastCGIResponder`` on the loop's thread; the handler answers
/// through it once, on any thread, now or later, and the loop goes on with its other connections. The
/// answering thread writes the answer itself when the socket takes it all (else the loop finishes it).
/// nginx may keep a connection for its next request (`fastcgi_keep_conn on`, FCGI_KEEP_CONN): the
/// connection is read again once its answer is written, by whichever loop owns it, so no thread is
/// tied to a kept connection.
///
/// Bounds (RequestSlots.swift): at most ``Configuration/requestsInFlight`` requests are being read or
/// wait for their answer; past it no connection's next request is read and nothing is accepted (the
/// listen backlog holds the rest). At most ``maxConnections`` connections are open; past it nothing is
/// accepted. A slow or vanished nginx never blocks a loop: sockets are non-blocking and unwritten
/// answer bytes wait for EPOLLOUT.
///
/// Shutdown: ``shutdown()`` takes the listener out of every loop, removes the socket file and
/// `shutdown(2)`s the listening socket; idle kept connections close, requests already read are
/// answered and their connections closed after; ``wait()`` returns when every answer is written and
/// every loop has left, or when the grace period ran out.
/// `WicketServer.Gateway` wires SIGTERM to ``shutdown()`` through swift-service-lifecycle's graceful
/// shutdown, after ``ControlSignals/blockInCurrentThread()`` first thing in `main`.
///
/// Writes use `MSG_NOSIGNAL`, so an nginx that went away only fails the write.
public final class FastCGIServer: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition` (which the slots share).
    /// Answers on the loop thread before returning.
    public typealias Handler = @Sendable (FastCGIRequest) -> FastCGIResponse
    /// Answers through the responder exactly once, from any thread, now or later.
    public typealias DeferredHandler = @Sendable (FastCGIRequest, FastCGIResponder) -> Void

    private enum Phase { case idle, running, stopping, stopped }

    public let configuration: Configuration
    private let logger: Logger
    private let handler: DeferredHandler
    private let condition = NSCondition()
    private var phase = Phase.idle
    private var listener: UnixListener?
    private var slots: RequestSlots?
    private var loops: [FastCGIEventLoop] = []
    private var threads: [PosixThread] = []
    private var liveThreads = 0
    private var stopRequestedAt: ContinuousClock.Instant?
    /// `wait()` has seen the listener gone and waits for answers still pending (for tests).
    private var drainingAnswers = false
    /// Times `wait()` went round its loop (it wakes for a phase change, a loop leaving, or the last
    /// answer while draining; for tests).
    private var waitPassCount = 0

    /// - Parameters:
    ///   - configuration: socket, permissions, thread count and limits.
    ///   - logger: receives start, stop and per-connection failures (never params or bodies).
    ///   - handler: answers one request; called concurrently from the event loops.
    public convenience init(configuration: Configuration = Configuration(), logger: Logger, handler: @escaping Handler) {
        self.init(
            configuration: configuration, logger: logger,
            deferredHandler: { request, responder in
                responder.respond(handler(request))
            })
    }

    /// - Parameters:
    ///   - deferredHandler: called concurrently from the event loops with each request and its
    ///     responder; it must answer through the responder exactly once, and may do so later on
    ///     another thread. It runs on a loop thread: what it does before returning delays that loop's
    ///     other connections.
    public init(configuration: Configuration = Configuration(), logger: Logger, deferredHandler: @escaping DeferredHandler) {
        self.configuration = configuration
        self.logger = logger
        self.handler = deferredHandler
    }

    /// Connections open at once, at most: 4096, or the process's descriptor limit less 64 for the
    /// stores, logs and GeoIP files. nginx opens one per request it has in flight to Wicket plus its
    /// idle `keepalive` ones per worker, far below this.
    public static var maxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 960 }
        return max(16, min(4096, Int(clamping: limit.rlim_cur) - 64))
    }

    /// Creates the socket and starts the event loops, then returns.
    public func start() throws {
        try configuration.validate()
        condition.lock()
        defer { condition.unlock() }
        guard phase == .idle else {
            throw FastCGIError(.alreadyStarted, "the fastcgi server was already started")
        }
        let listener = try UnixListener(
            path: configuration.socketPath, mode: configuration.socketMode,
            group: configuration.socketGroup, backlog: configuration.backlog)
        self.listener = listener
        let slots = RequestSlots(capacity: configuration.inFlightLimit, maxConnections: Self.maxConnections, condition: condition)
        let limits = FastCGIRequestParser.Limits(
            maxBodyBytes: configuration.maxBodyBytes, maxConnections: slots.maxConnections, maxRequests: slots.capacity)
        var loops: [FastCGIEventLoop] = []
        do {
            guard fcntl(listener.fd, F_SETFL, fcntl(listener.fd, F_GETFL) | O_NONBLOCK) == 0 else {
                throw FastCGIError(.socketSetupFailed, "could not make the socket `\(configuration.socketPath)` non-blocking")
            }
            for index in 0..<configuration.threadCount {
                loops.append(
                    try FastCGIEventLoop(
                        index: index, listenerFD: listener.fd, slots: slots, handler: handler, limits: limits,
                        selection: configuration.params, batchScheduling: configuration.batchScheduling, logger: logger))
            }
        } catch {
            listener.stopAccepting()
            listener.release()
            self.listener = nil
            throw error
        }
        slots.setListening = { on in for loop in loops { loop.listen(on) } }
        self.slots = slots
        self.loops = loops
        phase = .running
        slots.startLocked()
        for loop in loops {
            do {
                let thread = try PosixThread.spawn { [self] in
                    loop.run()
                    loopLeft()
                }
                threads.append(thread)
                liveThreads += 1
            } catch {
                phase = .stopping
                stopRequestedAt = .now
                slots.stopLocked()
                listener.stopAccepting()
                for loop in loops { loop.post(.drain) }
                throw error
            }
        }
        logger.info(
            "fastcgi responder listening",
            metadata: [
                "wicket.fastcgi.socket": "\(configuration.socketPath)",
                "wicket.fastcgi.threads": "\(configuration.threadCount)",
                "wicket.fastcgi.requests_in_flight": "\(configuration.inFlightLimit)",
                "wicket.fastcgi.max_connections": "\(slots.maxConnections)",
            ])
    }

    private func loopLeft() {
        condition.lock()
        liveThreads -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// ``start()``, then blocks until ``shutdown()`` has completed.
    public func run() throws {
        try start()
        wait()
    }

    /// Stops accepting; requests already read are answered, idle kept connections close. Callable
    /// from any thread, any number of times. Returns at once; ``wait()`` or ``run()`` return when done.
    public func shutdown() {
        condition.lock()
        defer { condition.unlock() }
        guard phase == .running else { return }
        phase = .stopping
        stopRequestedAt = .now
        slots?.stopLocked()
        listener?.stopAccepting()
        for loop in loops { loop.post(.drain) }
        logger.info("fastcgi responder stopping", metadata: ["wicket.fastcgi.in_flight": "\(slots?.inFlightLocked ?? 0)"])
        condition.broadcast()
    }

    /// Blocks until the server has stopped: every request already read was answered and every loop
    /// left after ``shutdown()`` (then the socket is closed and removed), or the grace period ran out
    /// with requests still in flight (then the loops close what is left and the error is logged).
    /// Returns at once if never started.
    public func wait() {
        condition.lock()
        defer { condition.unlock() }
        while phase != .idle && phase != .stopped {
            waitPassCount += 1
            if phase == .stopping {
                if liveThreads == 0 && (slots?.inFlightLocked ?? 0) == 0 { break }
                if (slots?.inFlightLocked ?? 0) > 0 { drainingAnswers = true }
            }
            if phase == .stopping, let since = stopRequestedAt {
                let deadline = since + configuration.shutdownGracePeriod
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero {
                    logger.error(
                        "fastcgi responder stopped with requests still in flight",
                        metadata: [
                            "wicket.fastcgi.in_flight": "\(slots?.inFlightLocked ?? 0)"
                        ])
                    for loop in loops { loop.post(.stop) }
                    phase = .stopped
                    return
                }
                let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            } else {
                condition.wait()
            }
        }
        guard phase == .stopping else { return }
        let joined = threads
        threads = []
        condition.unlock()
        for thread in joined { thread.join() }
        condition.lock()
        listener?.release()
        listener = nil
        phase = .stopped
        logger.info(
            "fastcgi responder stopped",
            metadata: [
                "wicket.fastcgi.connections_accepted": "\(slots?.acceptedConnectionsLocked ?? 0)",
                "wicket.fastcgi.requests": "\(slots?.requestsReadLocked ?? 0)",
            ])
    }

    /// Requests being read or waiting for their answer.
    public var inFlightRequests: Int {
        currentSlots?.requestsInFlight ?? 0
    }

    /// Connections whose next request waits unread because every slot is taken: the backpressure at work.
    public var connectionsWaitingForSlot: Int {
        currentSlots?.stalledCount ?? 0
    }

    /// Whether the listener is in the loops' epoll sets (false while every slot is taken, or stopped).
    public var isAccepting: Bool {
        currentSlots?.isListening ?? false
    }

    /// Connections accepted since start; with kept connections far fewer than ``requestsRead``.
    public var acceptedConnections: Int {
        currentSlots?.acceptedConnections ?? 0
    }

    /// Connections open now.
    public var openConnections: Int {
        currentSlots?.openConnections ?? 0
    }

    /// Complete requests handed to the handler since start.
    public var requestsRead: Int {
        currentSlots?.requestsRead ?? 0
    }

    /// Responders dropped without an answer or answered twice: a handler bug each (logged as critical).
    public var responderErrors: Int {
        currentSlots?.responderErrorCount ?? 0
    }

    /// Times `wait()` went round its loop (for tests).
    var waitPasses: Int {
        condition.lock()
        defer { condition.unlock() }
        return waitPassCount
    }

    /// The event loops' wake-ups (`epoll_wait` returns) since start (for tests).
    var loopWakeups: Int {
        condition.lock()
        let loops = self.loops
        condition.unlock()
        return loops.reduce(0) { $0 + $1.wakeups }
    }

    /// Each event loop's scheduling policy as its thread set it (`sched_getscheduler`; -1 until the
    /// loop runs; for tests).
    var loopSchedulingPolicies: [Int32] {
        condition.lock()
        let loops = self.loops
        condition.unlock()
        return loops.map(\.schedulingPolicy)
    }

    /// Epoll registrations of connections (`EPOLL_CTL_ADD`) since start, all loops (for tests).
    var connectionRegistrations: Int {
        condition.lock()
        let loops = self.loops
        condition.unlock()
        return loops.reduce(0) { $0 + $1.registrations }
    }

    /// Whether `wait()` waits for pending answers after the listener went (for tests).
    var isDrainingAnswers: Bool {
        condition.lock()
        defer { condition.unlock() }
        return drainingAnswers
    }

    private var currentSlots: RequestSlots? {
        condition.lock()
        defer { condition.unlock() }
        return slots
    }
}
