import CFastCGI
import Foundation
import Logging

/// A libfcgi responder on a Unix socket.
///
/// Each of ``Configuration/threadCount`` accept threads (its own pthread, never the Swift
/// concurrency pool) owns one `FCGX_Request` and serves one request at a time through the
/// synchronous handler, which may block (the audit commit does).
///
/// Shutdown is explicit because libfcgi's own signal handling cannot drain in-flight work:
/// ``shutdown()`` removes the socket file and `shutdown(2)`s the listening socket so every
/// blocked accept returns; requests already accepted finish; ``wait()`` joins the threads.
/// `WicketServer.Gateway` wires SIGTERM to ``shutdown()`` through swift-service-lifecycle's graceful
/// shutdown, after ``ControlSignals/blockInCurrentThread()`` first thing in `main`.
///
/// `FCGX_Init` (called by ``start()``) makes SIGPIPE harmless, so a client that went away only
/// fails the write.
public final class FastCGIServer: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition`.
    public typealias Handler = @Sendable (FastCGIRequest) -> FastCGIResponse

    private enum Phase { case idle, running, stopping, stopped }

    public let configuration: Configuration
    private let logger: Logger
    private let handler: Handler
    private let condition = NSCondition()
    private var phase = Phase.idle
    private var listener: UnixListener?
    private var threads: [PosixThread] = []
    private var liveThreads = 0
    private var inFlight = 0
    private var stopRequestedAt: ContinuousClock.Instant?

    /// - Parameters:
    ///   - configuration: socket, permissions, thread count and limits.
    ///   - logger: receives start, stop and per-request failures (never params or bodies).
    ///   - handler: answers one request; called concurrently from the accept threads.
    public init(configuration: Configuration = Configuration(), logger: Logger, handler: @escaping Handler) {
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
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
        phase = .running
        for index in 0..<configuration.threadCount {
            do {
                let thread = try PosixThread.spawn { [self] in acceptLoop(index: index, fd: listener.fd) }
                threads.append(thread)
                liveThreads += 1
            } catch {
                phase = .stopping
                stopRequestedAt = .now
                listener.stopAccepting()
                throw error
            }
        }
        logger.info(
            "fastcgi responder listening",
            metadata: [
                "wicket.fastcgi.socket": "\(configuration.socketPath)",
                "wicket.fastcgi.threads": "\(configuration.threadCount)",
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
        logger.info("fastcgi responder stopping", metadata: ["wicket.fastcgi.in_flight": "\(inFlight)"])
        condition.broadcast()
    }

    /// Blocks until the server has stopped: every accept thread returned after ``shutdown()``
    /// (then the socket is closed and removed), or the grace period ran out with requests still in
    /// flight (then they are abandoned and the error is logged). Returns at once if never started.
    public func wait() {
        condition.lock()
        defer { condition.unlock() }
        while phase != .idle && phase != .stopped {
            if phase == .stopping, liveThreads == 0 { break }
            if phase == .stopping, let since = stopRequestedAt {
                let deadline = since + configuration.shutdownGracePeriod
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero {
                    logger.error(
                        "fastcgi responder stopped with requests still in flight",
                        metadata: [
                            "wicket.fastcgi.in_flight": "\(inFlight)"
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
        condition.lock()
        defer { condition.unlock() }
        return inFlight
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return phase != .running
    }

    private func acceptLoop(index: Int, fd: Int32) {
        defer {
            condition.lock()
            liveThreads -= 1
            condition.broadcast()
            condition.unlock()
        }
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        guard FCGX_InitRequest(request, fd, 0) == 0 else {
            logger.error("libfcgi could not initialise a request", metadata: ["wicket.fastcgi.thread": "\(index)"])
            return
        }
        while !isStopping {
            let rc = FCGX_Accept_r(request)
            guard rc >= 0 else {
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
            condition.lock()
            inFlight += 1
            condition.unlock()
            serve(request)
            FCGXRequestIO.finish(request)
            condition.lock()
            inFlight -= 1
            condition.broadcast()
            condition.unlock()
        }
    }

    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>) {
        let (params, declared) = FCGXRequestIO.params(of: request, keeping: configuration.params)
        let body = FCGXRequestIO.body(of: request, limit: configuration.maxBodyBytes, declaredLength: declared)
        let response = handler(FastCGIRequest(params: params, body: body))
        let bytes: [UInt8]
        if let encoded = response.encoded() {
            bytes = encoded
        } else {
            logger.error(
                "handler returned a response that cannot be written safely; answering 500",
                metadata: [
                    "wicket.fastcgi.status": "\(response.status)"
                ])
            bytes = FastCGIResponse.unencodable.encoded() ?? []
        }
        if !FCGXRequestIO.write(bytes, to: request) {
            logger.debug("nginx closed the fastcgi connection before the answer was written")
        }
    }
}
