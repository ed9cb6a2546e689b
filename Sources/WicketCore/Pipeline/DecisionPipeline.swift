import Cedar
import Foundation
import Logging
import WicketGeo
import WicketMCP
import WicketStore

/// The decision core: a request's facts → authenticate → classify → Cedar request → evaluate → commit
/// the audit record → the answer (docs/architecture.md, "A request's path"). The one place that knows
/// both MCP and Cedar; it knows no transport (the server layer maps FastCGI to ``DecisionInput`` and
/// ``Reply`` back).
///
/// Every path that does not end in a policy allow ends in a refusal, and every answered request has a
/// committed audit record: if the record cannot be written, the request is refused.
public final class DecisionPipeline: Sendable {
    let config: WicketConfig
    let tenants: [String: TenantRuntime]
    let geo: GeoSource
    let clock: RequestClock
    let addresses: ClientAddressResolver
    let classifier: MCPClassifier
    /// Server name bytes → upstream, tenant, Cedar mapping, local time and the tenant's metric handles,
    /// built once (UpstreamRoutes.swift): the runtimes are fixed for the pipeline's life, so a commit
    /// finds its handles in its route instead of looking them up by name (a lock and a hash).
    let routes: UpstreamRoutes
    let logger: Logger
    let metrics: WicketMetrics
    /// Rung after a commit that queued alerts (the alert dispatcher's `wake`).
    let onAlertsQueued: (@Sendable () -> Void)?
    /// Reviewed against live tool definitions, per upstream (issue 13).
    let pins: ToolPins

    public init(
        config: WicketConfig, tenants: [String: TenantRuntime], geo: GeoSource,
        clock: RequestClock = .system, logger: Logger, metrics: WicketMetrics = WicketMetrics(),
        onAlertsQueued: (@Sendable () -> Void)? = nil
    ) throws {
        self.config = config
        self.metrics = metrics
        self.onAlertsQueued = onAlertsQueued
        self.tenants = tenants
        self.geo = geo
        self.clock = clock
        self.logger = logger
        pins = ToolPins(logger: logger)
        addresses = try ClientAddressResolver(trustedProxies: config.trustedProxies)
        classifier = MCPClassifier(limits: MCPLimits(maxBodyBytes: config.maxBodyBytes))
        let tenantMetrics = Dictionary(
            tenants.values.map { (ObjectIdentifier($0), metrics.handles.tenant($0.config.name, factory: metrics.factory)) },
            uniquingKeysWith: { first, _ in first })
        routes = UpstreamRoutes(config: config, tenants: tenants, handles: { tenantMetrics[ObjectIdentifier($0)] })
    }

    public convenience init(
        config: WicketConfig, tenants: [String: TenantRuntime], geo: GeoDatabase?,
        clock: RequestClock = .system, logger: Logger, metrics: WicketMetrics = WicketMetrics()
    ) throws {
        try self.init(config: config, tenants: tenants, geo: GeoSource(database: geo), clock: clock, logger: logger, metrics: metrics)
    }

    /// Decides, commits the records and returns the answer, waiting for the commit (the CLI, tests,
    /// benchmarks). The server uses ``decide(_:then:)``, which does not wait.
    public func decide(_ request: consuming DecisionInput) -> Decision {
        let route = route(of: request)
        switch decision(for: request, route: route) {
        case .final(let decision):
            return decision
        case .committing(let commit):
            do {
                try commit.tenant.auditSink.append(contentsOf: commit.records)
                return finish(commit, failure: nil)
            } catch {
                return finish(commit, failure: error)
            }
        }
    }

    /// The route of the server nginx named, if the configuration has it.
    func route(of request: DecisionInput) -> UpstreamRoutes.Route? {
        request.serverName.flatMap { routes.route(for: $0) }
    }

    /// The decision, and the records to commit before it is answered (DecisionPipeline+Handoff.swift);
    /// `route` is ``route(of:)`` of `request`, found once by the caller. `request` is moved into the
    /// request's ``Exchange``, not copied.
    func decision(for request: consuming DecisionInput, route: UpstreamRoutes.Route?) -> Decided {
        let started = ContinuousClock.now
        let requestID = Self.requestID(from: request.requestID)
        guard let route else {
            // No tenant means no audit store to write to: refuse, and say so in the log.
            logger.error(
                "request for a server the configuration does not name",
                metadata: [
                    "wicket.request.id": "\(requestID)", "wicket.server": "\(request.serverName ?? "")",
                ])
            return .final(
                Decision(
                    allowed: false, records: [],
                    reply: Answer.deny(.unavailable("wicket has no upstream server named by this nginx location"), requestID: requestID)))
        }
        let tenant = route.tenant
        var exchange = Exchange(pipeline: self, request: request, route: route, requestID: requestID, started: started)
        let outcome: Outcome
        do {
            outcome = try exchange.decide()
        } catch let refusal as Refusal {
            if let cause = refusal.cause { metrics.error(cause, tenant: tenant.config.name) }
            outcome = .refused(refusal, records: [exchange.record(refusal)])
        } catch {
            outcome = .refused(.unavailable("wicket could not decide"), records: [exchange.record(.unavailable("\(error)"))])
        }
        return .committing(Commit(outcome, tenant: tenant, handles: route.metricHandles, requestID: requestID, started: started))
    }

    /// The answer once the records' commit returned; a failed write turns any answer into a 503 refusal.
    func finish(_ commit: Commit, failure: (any Error)?) -> Decision {
        let (records, tenant, requestID) = (commit.records, commit.tenant, commit.requestID)
        if let error = failure {
            metrics.error(.store, tenant: tenant.config.name)
            logger.error(
                "audit write failed; request refused",
                metadata: [
                    "wicket.request.id": "\(requestID)", "wicket.tenant": "\(tenant.config.name)", "wicket.error": "\(error)",
                ])
            return Decision(
                allowed: false, records: [],
                reply: Answer.deny(.unavailable("the audit record could not be written, so the request is refused"), requestID: requestID))
        }
        MetricsHook.committed(
            records, tenant: tenant.config.name,
            handles: commit.handles ?? metrics.handles.tenant(tenant.config.name, factory: metrics.factory),
            metrics: metrics,
            decisionNanoseconds: commit.decisionNanoseconds, commit: ContinuousClock.now - commit.committing,
            onAlertsQueued: onAlertsQueued)
        switch commit.outcome.answer {
        case .allowed(let token):
            return Decision(allowed: true, records: records, reply: Answer.allow(token: token, records: records, requestID: requestID))
        case .refused(let refusal):
            return Decision(allowed: false, records: records, reply: Answer.deny(refusal, requestID: requestID))
        case .answered(let reply):
            // A list Wicket fetched and filtered itself: allowed when it answered the list.
            return Decision(allowed: reply.status == 200 && Self.allAllowed(records), records: records, reply: reply)
        }
    }

    /// Whether every record reads as an allow, each read in place (an array's element read by `for`
    /// or `allSatisfy` is a copy of the whole record).
    static func allAllowed(_ records: [AuditRecord]) -> Bool {
        let span = records.span
        for index in span.indices where span[index].decision != .allow { return false }
        return true
    }

    /// How a request ends, and its records. The records are a field beside the answer, not a payload
    /// of each case, so the hand-off can write every record's latency in place (DecisionPipeline+Handoff.swift)
    /// instead of taking a second array of copies.
    struct Outcome {
        enum Kind {
            /// Every record an allow; the answer names their policies (``Answer/rule(of:)``).
            case allowed(token: String)
            case refused(Refusal)
            /// Wicket answered the client itself (a filtered list). Boxed: the rare case kept out of the
            /// enum's size, so the answer's switch copies a small value.
            indirect case answered(Reply)
        }

        var answer: Kind
        var records: [AuditRecord]

        static func allowed(token: String, records: [AuditRecord]) -> Outcome {
            Outcome(answer: .allowed(token: token), records: records)
        }

        static func refused(_ refusal: Refusal, records: [AuditRecord]) -> Outcome {
            Outcome(answer: .refused(refusal), records: records)
        }

        static func answered(_ reply: Reply, records: [AuditRecord]) -> Outcome {
            Outcome(answer: .answered(reply), records: records)
        }
    }

    /// nginx's `$request_id` (32 hex digits) when it sent one, else a fresh random id.
    static func requestID(from sent: String?) -> String {
        if let id = sent, isRequestID(id) { return id }
        return FreshRequestID.make()
    }

    /// 8 to 64 lowercase hex digits, read from the string's bytes in place (`utf8.allSatisfy` stepped
    /// the view's iterator, tens of instructions a byte, for nginx's 32 digits on every request).
    static func isRequestID(_ id: String) -> Bool {
        guard (8...64).contains(id.utf8.count) else { return false }
        func hex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) }
        let inPlace = id.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where !hex(byte) { return false }
            return true
        }
        return inPlace ?? id.utf8.allSatisfy(hex)
    }
}
