import Foundation
import Logging
import ServiceLifecycle
import WicketCore
import WicketFastCGI

/// `wicket serve`: the FastCGI socket and the process lifecycle around a ``WicketRuntime``. Serves
/// until SIGTERM/SIGINT (in-flight requests finish). SIGHUP, or a changed policy file, reloads
/// policies and entities; a set that does not load keeps the previous one serving.
///
/// The lifecycle is swift-service-lifecycle's `ServiceGroup`: SIGTERM and SIGINT start its graceful
/// shutdown, which runs in reverse order of the services — the policy poller and the SIGHUP reloader
/// stop first, then the FastCGI service stops accepting, lets the requests already accepted finish
/// (each is answered once its audit record committed) and returns. The event loops stay plain
/// pthreads (audit commits never run on the concurrency pool).
public final class Gateway: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init and itself thread-safe.
    public let runtime: WicketRuntime
    let server: FastCGIServer
    let logger: Logger

    /// `metrics`: the scrape endpoint of the bootstrapped Prometheus backend; nil answers scrapes 404.
    public init(
        config: WicketConfig, socketPath: String? = nil, clock: RequestClock = .system, logger: Logger,
        metrics: MetricsEndpoint? = nil
    ) throws {
        self.logger = logger
        let runtime = try WicketRuntime(config: config, clock: clock, logger: logger)
        self.runtime = runtime
        let pipeline = runtime.pipeline
        let front = FrontGauges()
        server = FastCGIServer(
            configuration: .init(
                socketPath: socketPath ?? config.socketPath, socketMode: config.socketMode,
                socketGroup: config.socketGroup, threadCount: config.threads,
                maxBodyBytes: config.maxBodyBytes, params: FastCGIMapping.params,
                batchScheduling: config.batchScheduling),
            logger: logger,
            deferredHandler: { request, responder in
                // Only nginx's metrics location sets this param; a client's headers arrive as HTTP_*.
                if FastCGIMapping.isScrape(request) {
                    front.record()
                    return responder.respond(metrics.map { FastCGIMapping.response($0.answer()) } ?? FastCGIResponse(status: 404))
                }
                // The answer leaves from the audit commit's completion, on whichever thread committed;
                // this event loop goes on with its other connections (DecisionPipeline+Handoff.swift).
                pipeline.decide(FastCGIMapping.input(request)) { decision in
                    responder.respond(FastCGIMapping.response(decision.reply))
                }
            })
        front.attach(server)
    }

    /// Blocks SIGTERM/SIGINT/SIGHUP in the calling thread; call first in `main`, before any thread
    /// exists, so every thread Wicket starts inherits the mask and only the lifecycle takes them.
    public static func blockControlSignalsInCurrentThread() {
        ControlSignals.blockInCurrentThread()
    }

    /// The services `run` starts, in start order (graceful shutdown runs in reverse).
    func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: FastCGIService(server: server, runtime: runtime, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup),
            // These two return when the shutdown reaches them; that must not cancel the draining server.
            .init(service: HangupReloader(runtime: runtime, logger: logger), successTerminationBehavior: .ignore),
        ]
        if runtime.config.reloadInterval > 0 {
            services.append(
                .init(
                    service: PolicyPoller(runtime: runtime, interval: .seconds(runtime.config.reloadInterval)),
                    successTerminationBehavior: .ignore))
        }
        return services
    }

    /// Serves until a terminate signal; returns after in-flight requests finished.
    public func run() throws {
        let group = ServiceGroup(
            configuration: .init(services: services(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let outcome = Outcome()
        // The calling (main) thread waits; the group runs on the concurrency pool, whose threads the
        // FastCGI service never blocks (it awaits the event loops through a continuation).
        Task {
            do { try await group.run() } catch { outcome.finish(error) }
            outcome.finish(nil)
        }
        if let error = outcome.wait() { throw error }
    }
}

/// The one result of the service group, handed from its task to the waiting thread.
private final class Outcome: @unchecked Sendable {
    // @unchecked Sendable: `done` and `error` are only touched under `condition`.
    private let condition = NSCondition()
    private var done = false
    private var error: (any Error)?

    func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        guard !done else { return }
        done = true
        self.error = error
        condition.broadcast()
    }

    func wait() -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        while !done { condition.wait() }
        return error
    }
}
