import Foundation
import Logging
import WicketFastCGI
import WicketGeo

/// `wicket serve`: opens every tenant, the GeoIP database and the FastCGI socket, then serves until
/// SIGTERM/SIGINT (in-flight requests finish). SIGHUP, or a changed policy file, reloads policies
/// and entities; a set that does not load keeps the previous one serving.
public final class Gateway: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init and itself thread-safe.
    public let config: WicketConfig
    public let pipeline: DecisionPipeline
    let tenants: [String: TenantRuntime]
    let geo: GeoSource
    let server: FastCGIServer
    let logger: Logger
    /// Delivers `@alert` alerts from every tenant's outbox, on its own thread.
    let alerts: AlertDispatcher
    private let stopping = StopFlag()

    /// `metrics`: the scrape endpoint of the bootstrapped Prometheus backend; nil answers scrapes 404.
    public init(config: WicketConfig, socketPath: String? = nil, clock: RequestClock = .system, logger: Logger,
                metrics: MetricsEndpoint? = nil) throws {
        self.config = config
        self.logger = logger
        var tenants: [String: TenantRuntime] = [:]
        for tenant in config.tenants {
            tenants[tenant.name] = try TenantRuntime(config: tenant, wicket: config, logger: logger)
        }
        self.tenants = tenants
        for (name, tenant) in tenants {
            for alert in config.alerts.unconfiguredNames(in: tenant.snapshot) {
                logger.warning("a policy raises an alert no sink is configured for; add an `[[alerts.sink]]` for it", metadata: [
                    "wicket.tenant": "\(name)", "wicket.alert": "\(alert)",
                ])
            }
        }
        let geo = try GeoSource(path: config.geoDatabase)
        self.geo = geo
        let alerts = try AlertDispatcher(config: config.alerts, stores: tenants.keys.sorted().compactMap { name in
            tenants[name].map { (name, $0.audit) }
        }, logger: logger)
        self.alerts = alerts
        let pipeline = try DecisionPipeline(config: config, tenants: tenants, geo: geo, clock: clock, logger: logger,
                                            onAlertsQueued: { alerts.wake() })
        self.pipeline = pipeline
        server = FastCGIServer(
            configuration: .init(socketPath: socketPath ?? config.socketPath, socketMode: config.socketMode,
                                 socketGroup: config.socketGroup, threadCount: config.threads,
                                 maxBodyBytes: config.maxBodyBytes),
            logger: logger, handler: { request in
                // Only nginx's metrics location sets this param; a client's headers arrive as HTTP_*.
                if MetricsEndpoint.isScrape(request) { return metrics?.answer() ?? FastCGIResponse(status: 404) }
                return pipeline.handle(request)
            })
    }

    /// Serves until a terminate signal; returns after in-flight requests finished.
    public func run() throws {
        let watcher = SignalWatcher(
            onTerminate: { [server, logger] signal in
                logger.notice("stopping on signal", metadata: ["wicket.signal": "\(signal)"])
                server.shutdown()
            },
            onReload: { [self] in reloadAll(onlyIfChanged: false) })
        try watcher.start()
        defer { watcher.stop() }
        try server.start()
        alerts.start()
        defer { alerts.stop() }
        for tenant in config.tenants {
            logger.notice("serving tenant", metadata: [
                "wicket.tenant": "\(tenant.name)",
                "wicket.policies": "\(tenants[tenant.name]?.snapshot.enforced.policies.count ?? 0)",
                "wicket.unknown_tools": "\(tenant.unknownTools.rawValue)",
            ])
        }
        NameDisciplineNotice.log(config, logger: logger)
        let poller = config.reloadInterval > 0 ? startPolling() : nil
        server.wait()
        stopping.set()
        poller?.waitUntilFinished()
    }

    public func reloadAll(onlyIfChanged: Bool) {
        for tenant in tenants.values { tenant.reload(onlyIfChanged: onlyIfChanged, logger: logger) }
        if !onlyIfChanged { geo.reload(logger: logger) }
    }

    private func startPolling() -> PollThread {
        let interval = TimeInterval(config.reloadInterval)
        let thread = PollThread(interval: interval, stopping: stopping) { [self] in reloadAll(onlyIfChanged: true) }
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
