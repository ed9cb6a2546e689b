import Foundation
import Logging
import WicketCore
import WicketFastCGI

/// `wicket serve`: the FastCGI socket and the process lifecycle around a ``WicketRuntime``. Serves
/// until SIGTERM/SIGINT (in-flight requests finish). SIGHUP, or a changed policy file, reloads
/// policies and entities; a set that does not load keeps the previous one serving.
public final class Gateway: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init and itself thread-safe.
    public let runtime: WicketRuntime
    let server: FastCGIServer
    let logger: Logger
    private let stopping = StopFlag()

    /// `metrics`: the scrape endpoint of the bootstrapped Prometheus backend; nil answers scrapes 404.
    public init(
        config: WicketConfig, socketPath: String? = nil, clock: RequestClock = .system, logger: Logger,
        metrics: MetricsEndpoint? = nil
    ) throws {
        self.logger = logger
        let runtime = try WicketRuntime(config: config, clock: clock, logger: logger)
        self.runtime = runtime
        let pipeline = runtime.pipeline
        server = FastCGIServer(
            configuration: .init(
                socketPath: socketPath ?? config.socketPath, socketMode: config.socketMode,
                socketGroup: config.socketGroup, threadCount: config.threads,
                maxBodyBytes: config.maxBodyBytes),
            logger: logger,
            handler: { request in
                // Only nginx's metrics location sets this param; a client's headers arrive as HTTP_*.
                if FastCGIMapping.isScrape(request) {
                    return metrics.map { FastCGIMapping.response($0.answer()) } ?? FastCGIResponse(status: 404)
                }
                return FastCGIMapping.response(pipeline.decide(FastCGIMapping.input(request)).reply)
            })
    }

    /// Blocks SIGTERM/SIGINT/SIGHUP in the calling thread; call first in `main`, before any thread
    /// exists, so every thread Wicket starts inherits the mask and only the signal watcher sees them.
    public static func blockControlSignalsInCurrentThread() {
        SignalWatcher.blockControlSignalsInCurrentThread()
    }

    /// Serves until a terminate signal; returns after in-flight requests finished.
    public func run() throws {
        let watcher = SignalWatcher(
            onTerminate: { [server, logger] signal in
                logger.notice("stopping on signal", metadata: ["wicket.signal": "\(signal)"])
                server.shutdown()
            },
            onReload: { [runtime] in runtime.reloadAll(onlyIfChanged: false) })
        try watcher.start()
        defer { watcher.stop() }
        try server.start()
        runtime.start()
        defer { runtime.stop() }
        let poller = runtime.config.reloadInterval > 0 ? startPolling() : nil
        server.wait()
        stopping.set()
        poller?.waitUntilFinished()
    }

    private func startPolling() -> PollThread {
        let interval = TimeInterval(runtime.config.reloadInterval)
        let thread = PollThread(interval: interval, stopping: stopping) { [runtime] in runtime.reloadAll(onlyIfChanged: true) }
        thread.start()
        return thread
    }
}

/// Checks the policy files every few seconds until the gateway stops.
final class PollThread: @unchecked Sendable {
    // @unchecked Sendable: `finished` is only touched under `done`; the rest is immutable.
    private let interval: TimeInterval
    private let stopping: StopFlag
    private let tick: @Sendable () -> Void
    private let done = NSCondition()
    private var finished = false

    init(interval: TimeInterval, stopping: StopFlag, tick: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.stopping = stopping
        self.tick = tick
    }

    func start() {
        Thread.detachNewThread { [self] in loop() }
    }

    private func loop() {
        var elapsed: TimeInterval = 0
        while !stopping.isSet {
            Thread.sleep(forTimeInterval: 0.2)
            elapsed += 0.2
            if elapsed >= interval {
                elapsed = 0
                tick()
            }
        }
        done.lock()
        finished = true
        done.broadcast()
        done.unlock()
    }

    func waitUntilFinished() {
        done.lock()
        while !finished { done.wait() }
        done.unlock()
    }
}

final class StopFlag: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
