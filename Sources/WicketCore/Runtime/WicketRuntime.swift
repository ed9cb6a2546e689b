import Foundation
import Logging
import WicketGeo

/// Everything `wicket serve` decides with, without a transport: every tenant opened, the GeoIP
/// database, the alert dispatcher and the decision pipeline over them. The server layer
/// (`WicketServer.Gateway`) puts a FastCGI socket and the process lifecycle around it.
public final class WicketRuntime: Sendable {
    public let config: WicketConfig
    public let pipeline: DecisionPipeline
    let tenants: [String: TenantRuntime]
    let geo: GeoSource
    let logger: Logger
    /// Delivers `@alert` alerts from every tenant's outbox, on its own thread.
    let alerts: AlertDispatcher

    public init(config: WicketConfig, clock: RequestClock = .system, logger: Logger) throws {
        self.config = config
        self.logger = logger
        var tenants: [String: TenantRuntime] = [:]
        for tenant in config.tenants {
            tenants[tenant.name] = try TenantRuntime(config: tenant, wicket: config, logger: logger)
        }
        self.tenants = tenants
        for (name, tenant) in tenants {
            for alert in config.alerts.unconfiguredNames(in: tenant.snapshot) {
                logger.warning(
                    "a policy raises an alert no sink is configured for; add an `[[alerts.sink]]` for it",
                    metadata: [
                        "wicket.tenant": "\(name)", "wicket.alert": "\(alert)",
                    ])
            }
        }
        let geo = try GeoSource(path: config.geoDatabase)
        self.geo = geo
        let alerts = try AlertDispatcher(
            config: config.alerts,
            stores: tenants.keys.sorted().compactMap { name in
                tenants[name].map { (name, $0.audit) }
            }, logger: logger)
        self.alerts = alerts
        pipeline = try DecisionPipeline(
            config: config, tenants: tenants, geo: geo, clock: clock, logger: logger,
            onAlertsQueued: { alerts.wake() })
    }

    /// Starts alert delivery and logs what is served; call once the socket is listening.
    public func start() {
        alerts.start()
        for tenant in config.tenants {
            logger.notice(
                "serving tenant",
                metadata: [
                    "wicket.tenant": "\(tenant.name)",
                    "wicket.policies": "\(tenants[tenant.name]?.snapshot.enforced.policies.count ?? 0)",
                    "wicket.unknown_tools": "\(tenant.unknownTools.rawValue)",
                ])
        }
        NameDisciplineNotice.log(config, logger: logger)
    }

    /// Stops alert delivery (queued alerts stay in the outbox for the next start).
    public func stop() {
        alerts.stop()
    }

    /// Reloads every tenant's policies and entities; `onlyIfChanged: false` (SIGHUP) also reopens
    /// the GeoIP database. A set that does not load keeps the previous one serving.
    public func reloadAll(onlyIfChanged: Bool) {
        for tenant in tenants.values { tenant.reload(onlyIfChanged: onlyIfChanged, logger: logger) }
        if !onlyIfChanged { geo.reload(logger: logger) }
    }
}
