import CFastCGI
import Foundation
import Logging

/// A libfcgi responder on a Unix socket.
///
/// ``Configuration/threadCount`` accept threads (each its own pthread, never the Swift concurrency
/// pool) accept requests and hand each to the handler with a ``FastCGIResponder``; the handler answers
/// through it once, on any thread, now or later, and the accept thread goes back to accept at once.
/// A request is read into one of a bounded pool of `FCGX_Request` structs
/// (``Configuration/requestsInFlight``, FCGXRequestPool.swift) that it holds until answered; when all
/// are taken the next accept waits. A synchronous ``Handler`` answers before it returns (on the accept
/// thread, as a plain libfcgi loop does). A kept connection (FCGI_KEEP_CONN) keeps its accept thread,
/// which waits for the answer and reads the connection's next request: only a thread reading that
/// connection would see it.
///
/// Shutdown is explicit because libfcgi's own signal handling cannot drain in-flight work:
/// ``shutdown()`` removes the socket file and `shutdown(2)`s the listening socket so every
/// blocked accept returns; requests already accepted are answered; ``wait()`` joins the threads and
/// waits for every answer still pending (within the grace period).
/// `WicketServer.Gateway` wires SIGTERM to ``shutdown()`` through swift-service-lifecycle's graceful
/// shutdown, after ``ControlSignals/blockInCurrentThread()`` first thing in `main`.
///
/// `FCGX_Init` (called by ``start()``) makes SIGPIPE harmless, so a client that went away only
/// fails the write.
public final class FastCGIServer: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition` (which the pool shares).
    /// Answers on the accept thread before returning.
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
    private var pool: FCGXRequestPool?
    private var threads: [PosixThread] = []
    private var liveThreads = 0
    private var stopRequestedAt: ContinuousClock.Instant?
    /// `wait()` has seen every accept thread leave and waits for answers still pending (for tests).
    private var drainingAnswers = false

    /// - Parameters:
    ///   - configuration: socket, permissions, thread count and limits.
    ///   - logger: receives start, stop and per-request failures (never params or bodies).
    ///   - handler: answers one request; called concurrently from the accept threads.
    public convenience init(configuration: Configuration = Configuration(), logger: Logger, handler: @escaping Handler) {
        self.init(
            configuration: configuration, logger: logger,
            deferredHandler: { request, responder in
                responder.respond(handler(request))
            })
    }

    /// - Parameters:
    ///   - deferredHandler: called concurrently from the accept threads with each request and its
    ///     responder; it must answer through the responder exactly once, and may do so later on
    ///     another thread.
    public init(configuration: Configuration = Configuration(), logger: Logger, deferredHandler: @escaping DeferredHandler) {
        self.configuration = configuration
        self.logger = logger
        self.handler = deferredHandler
    }

    /// Creates the socket and starts the accept threads, then returns.
    public func start() throws {
        try configuration.validate()
        condition.lock()
        defer { condition.unlock() }
        guard phase == .idle else {
            throw FastCGIError(.alreadyStarted, "the fastcgi server was already started")
        }
        guard FCGX_Init() == 0 else {
            throw FastCGIError(.initialisationFailed, "libfcgi failed to initialise")
        }
        let listener = try UnixListener(
            path: configuration.socketPath, mode: configuration.socketMode,
            group: configuration.socketGroup, backlog: configuration.backlog)
        self.listener = listener
        let pool: FCGXRequestPool
        do {
            pool = try FCGXRequestPool(capacity: configuration.inFlightLimit, listening: listener.fd, condition: condition)
        } catch {
            listener.stopAccepting()
            listener.release()
            self.listener = nil
            throw error
        }
        self.pool = pool
        phase = .running
        for index in 0..<configuration.threadCount {
            do {
                let thread = try PosixThread.spawn { [self] in acceptLoop(index: index, pool: pool) }
                threads.append(thread)
                liveThreads += 1
            } catch {
                phase = .stopping
                stopRequestedAt = .now
                listener.stopAccepting()
                pool.closeLocked()
                throw error
            }
        }
        logger.info(
            "fastcgi responder listening",
            metadata: [
                "wicket.fastcgi.socket": "\(configuration.socketPath)",
                "wicket.fastcgi.threads": "\(configuration.threadCount)",
                "wicket.fastcgi.requests_in_flight": "\(configuration.inFlightLimit)",
            ])
    }

    /// ``start()``, then blocks until ``shutdown()`` has completed.
    public func run() throws {
        try start()
        wait()
    }

    /// Stops accepting; requests already accepted finish. Callable from any thread, any number
    /// of times. Returns at once; ``wait()`` or ``run()`` return when the threads are done.
    public func shutdown() {
        condition.lock()
        defer { condition.unlock() }
        guard phase == .running else { return }
        phase = .stopping
        stopRequestedAt = .now
        listener?.stopAccepting()
        pool?.closeLocked()
        logger.info("fastcgi responder stopping", metadata: ["wicket.fastcgi.in_flight": "\(pool?.inFlightLocked ?? 0)"])
        condition.broadcast()
    }

    /// Blocks until the server has stopped: every accept thread returned after ``shutdown()`` and
    /// every accepted request was answered (then the socket is closed and removed), or the grace period
    /// ran out with requests still in flight (then they are abandoned and the error is logged).
    /// Returns at once if never started.
    public func wait() {
        condition.lock()
        defer { condition.unlock() }
        while phase != .idle && phase != .stopped {
            if phase == .stopping, liveThreads == 0 {
                if (pool?.inFlightLocked ?? 0) == 0 { break }
                drainingAnswers = true
            }
            if phase == .stopping, let since = stopRequestedAt {
                let deadline = since + configuration.shutdownGracePeriod
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero {
                    logger.error(
                        "fastcgi responder stopped with requests still in flight",
                        metadata: [
                            "wicket.fastcgi.in_flight": "\(pool?.inFlightLocked ?? 0)"
                        ])
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
        logger.info("fastcgi responder stopped")
    }

    /// Requests accepted and not yet answered.
    public var inFlightRequests: Int {
        pool?.requestsInFlight ?? 0
    }

    /// Accept threads waiting for a free request struct (every one in flight): the backpressure at work.
    public var acceptsWaitingForRequest: Int {
        pool?.acceptsWaiting ?? 0
    }

    /// Responders dropped without an answer or answered twice: a handler bug each (logged as critical).
    public var responderErrors: Int {
        pool?.responderErrorCount ?? 0
    }

    /// Whether `wait()` waits for pending answers after every accept thread left (for tests).
    var isDrainingAnswers: Bool {
        condition.lock()
        defer { condition.unlock() }
        return drainingAnswers
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return phase != .running
    }

    private func acceptLoop(index: Int, pool: FCGXRequestPool) {
        defer {
            condition.lock()
            liveThreads -= 1
            condition.broadcast()
            condition.unlock()
        }
        // A kept connection's struct stays with this thread between its requests.
        var kept: UnsafeMutablePointer<FCGX_Request>?
        while true {
            guard let request = kept ?? pool.take() else { break }
            kept = nil
            if isStopping {
                pool.giveBack(request)
                break
            }
            let rc = FCGX_Accept_r(request)
            guard rc >= 0 else {
                pool.giveBack(request)
                if isStopping { break }
                let code = -rc
                if code == EBADF || code == EINVAL || code == ENOTSOCK {
                    logger.error("fastcgi accept failed for good", metadata: ["wicket.fastcgi.errno": "\(code)"])
                    break
                }
                // EMFILE and friends: back off a little instead of spinning.
                logger.warning("fastcgi accept failed", metadata: ["wicket.fastcgi.errno": "\(code)"])
                usleep(10_000)
                continue
            }
            pool.began()
            let answered = request.pointee.keepConnection != 0 ? DispatchSemaphore(value: 0) : nil
            serve(request, pool: pool, keptUntil: answered)
            if let answered {
                answered.wait()
                kept = request
            }
        }
        if let kept { pool.giveBack(kept) }
    }

    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>, pool: FCGXRequestPool, keptUntil answered: DispatchSemaphore?) {
        let (params, declared) = FCGXRequestIO.params(of: request, keeping: configuration.params)
        let body = FCGXRequestIO.body(of: request, limit: configuration.maxBodyBytes, declaredLength: declared)
        let responder = FastCGIResponder(request: request, pool: pool, logger: logger, kept: answered)
        handler(FastCGIRequest(params: params, body: body), responder)
    }
}
