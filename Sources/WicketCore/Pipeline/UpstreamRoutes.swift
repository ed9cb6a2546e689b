import Cedar
import Foundation
import WicketStore

/// Every server name this process serves, resolved once at start to all a request for it needs: the
/// upstream, its tenant's runtime, its Cedar mapping and its tenant's local-time cache. A request
/// looks its `WICKET_SERVER` up here once, by the name's UTF-8 bytes, instead of scanning the
/// configuration and three more dictionaries.
///
/// Bytes, not `String ==`: nginx's include sends the name exactly as configured, and a canonically
/// equivalent spelling (NFC against NFD) is another name — unknown, so refused. The table holds what
/// does not change while the process runs: the configuration's upstreams and tenants are fixed at
/// start, and what a reload changes (a tenant's policy snapshot) is read from the tenant runtime per
/// request, never copied here.
struct UpstreamRoutes: Sendable {
    /// One upstream's resolved parts; shared by reference, so a request copies one pointer.
    final class Route: Sendable {
        let upstream: UpstreamConfig
        let tenant: TenantRuntime
        /// The upstream's fixed Cedar entities and actions (CedarMapping.swift).
        let mapping: CedarMapping
        /// The tenant's `context.time` (LocalTimeCache.swift), shared by every upstream of the tenant.
        let localTime: LocalTimeCache
        /// The tenant's session store when it also reads the credential in the same statement
        /// (PostgreSQL): cast once here, not per request (the store is fixed for the runtime's life).
        let sessionReading: (any SessionCredentialReading)?
        /// The upstream's `resources` table, by the tool name's bytes (ResourceArguments.swift).
        let resourceArguments: ResourceArguments
        /// The tenant's metric handles, resolved once (a request's commit used to look them up by the
        /// runtime's identity in a dictionary: a hash per request).
        let metricHandles: TenantMetricHandles?

        init(
            upstream: UpstreamConfig, tenant: TenantRuntime, mapping: CedarMapping, localTime: LocalTimeCache,
            metricHandles: TenantMetricHandles?
        ) {
            self.upstream = upstream
            self.metricHandles = metricHandles
            resourceArguments = ResourceArguments(upstream.resourceArguments)
            self.tenant = tenant
            self.mapping = mapping
            self.localTime = localTime
            sessionReading = tenant.sessions as? any SessionCredentialReading
        }
    }

    private let routes: [ExactString: Route]

    /// An upstream whose tenant has no runtime is left out (its requests are refused as unknown).
    /// `handles` gives a tenant runtime's metric handles (the pipeline resolves each tenant's once).
    init(config: WicketConfig, tenants: [String: TenantRuntime], handles: (TenantRuntime) -> TenantMetricHandles? = { _ in nil }) {
        var localTimes: [ExactString: LocalTimeCache] = [:]
        for tenant in config.tenants {
            localTimes[ExactString(tenant.name)] = LocalTimeCache(timeZone: TimeZone(identifier: tenant.timeZone) ?? .gmt)
        }
        var byName: [ExactString: TenantRuntime] = [:]
        for (name, runtime) in tenants { byName[ExactString(name)] = runtime }
        var routes: [ExactString: Route] = [:]
        for upstream in config.upstreams {
            let tenantName = ExactString(upstream.tenant)
            guard let tenant = byName[tenantName] else { continue }
            let localTime = localTimes[tenantName] ?? LocalTimeCache(timeZone: .gmt)
            let key = ExactString(upstream.name)
            // The configuration refuses a name defined twice; should one slip through, the first wins,
            // as `WicketConfig.upstream(named:)` answers.
            guard routes[key] == nil else { continue }
            routes[key] = Route(
                upstream: upstream, tenant: tenant,
                mapping: CedarMapping(namespace: upstream.namespace, serverName: upstream.name), localTime: localTime,
                metricHandles: handles(tenant))
        }
        self.routes = routes
    }

    /// The route for `WICKET_SERVER`, or nil when no upstream has exactly these bytes as its name.
    func route(for serverName: String) -> Route? {
        routes[ExactString(serverName)]
    }

    var count: Int { routes.count }
}
