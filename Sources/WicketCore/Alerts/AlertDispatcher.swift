import Foundation
import Logging
import WicketStore

/// Works off every tenant's alert outbox on a thread of its own, so delivery never delays or
/// changes a decision: the request path only inserts outbox rows (in the record's transaction)
/// and rings ``wake()``.
///
/// The protocol, per outbox row: send the card to each sink of its alert name that has not taken
/// it yet; all took it → `delivered` (never sent again); some failed → remember which took it and
/// retry the rest after `retry_initial_ms · 2^(attempts-1)` (capped at `retry_max_ms`); older than
/// `give_up_after`, or no sink configured → `abandoned`, logged. Delivery is at-least-once: a crash
/// between a send and its bookkeeping sends that alert again, with the same id.
public final class AlertDispatcher: @unchecked Sendable {
    // @unchecked Sendable: `woken`, `stopping` and `finished` are only touched under `signal`;
    // the client is used by the dispatcher thread alone; the rest is immutable.
    private let config: AlertsConfig
    private let sinks: [String: [AlertSink]]
    private let stores: [(tenant: String, store: any AuditLog)]
    private let metrics: WicketMetrics
    private let logger: Logger
    private let signal = NSCondition()
    private var woken = false
    private var stopping = false
    private var finished = true
    /// With no pending alert, how often the outbox is looked at anyway.
    private let idlePoll: TimeInterval = 1

    /// Reads every sink's secret files now, so a bad sink fails `wicket serve` at start.
    public init(
        config: AlertsConfig, stores: [(tenant: String, store: any AuditLog)], metrics: WicketMetrics = WicketMetrics(),
        logger: Logger
    ) throws {
        self.config = config
        var sinks: [String: [AlertSink]] = [:]
        for sink in config.sinks { sinks[sink.alert, default: []].append(try AlertSink(sink)) }
        self.sinks = sinks
        self.stores = stores
        self.metrics = metrics
        self.logger = logger
    }

    /// Starts the delivery thread.
    public func start() {
        signal.lock()
        finished = false
        signal.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "wicket-alerts"
        thread.start()
    }

    /// New outbox rows are committed: look now rather than at the next poll.
    public func wake() {
        signal.lock()
        woken = true
        signal.signal()
        signal.unlock()
    }

    /// Stops after the alert being sent; what is left stays in the outbox for the next start.
    public func stop() {
        signal.lock()
        stopping = true
        signal.broadcast()
        while !finished { signal.wait() }
        signal.unlock()
    }

    private func run() {
        let client: HTTPClient?
        do { client = try HTTPClient() } catch {
            logger.error("alert delivery cannot start its HTTP client", metadata: ["wicket.error": "\(error)"])
            client = nil
        }
        while !isStopping {
            var next = Date().addingTimeInterval(idlePoll)
            var pause: TimeInterval = 0.02
            for (tenant, store) in stores {
                do {
                    var due = try store.dueAlerts(now: Date())
                    while !due.isEmpty, !isStopping {
                        var marks: [AlertMark] = []
                        for alert in due {
                            if isStopping { break }  // the rest stays due for the next start
                            marks.append(deliver(alert, tenant: tenant, client: client))
                        }
                        // One commit records the whole round (a crash before it resends the round).
                        do { try store.record(marks) } catch {
                            logger.error(
                                "alert bookkeeping failed; retrying in a second",
                                metadata: ["wicket.tenant": "\(tenant)", "wicket.error": "\(error)"])
                            pause = 1  // never resend in a tight loop
                            break
                        }
                        due = try store.dueAlerts(now: Date())
                    }
                    if let when = try store.nextAlertDue() { next = min(next, when) }
                } catch {
                    logger.error(
                        "the alert outbox could not be read", metadata: ["wicket.tenant": "\(tenant)", "wicket.error": "\(error)"])
                    pause = 1
                }
            }
            signal.lock()
            let until = max(next, Date().addingTimeInterval(pause))
            while !woken, !stopping, signal.wait(until: until) {}
            woken = false
            signal.unlock()
        }
        signal.lock()
        finished = true
        signal.broadcast()
        signal.unlock()
    }

    private var isStopping: Bool {
        signal.lock()
        defer { signal.unlock() }
        return stopping
    }

    private func deliver(_ alert: OutboxAlert, tenant: String, client: HTTPClient?) -> AlertMark {
        let targets = sinks[alert.alert] ?? []
        let card = AlertCard(alert: alert.alert, record: alert.record)
        var delivered = alert.deliveredSinks
        var failures: [String] = []
        for sink in targets where !delivered.contains(sink.config.id) {
            do {
                guard let client else { throw AlertDeliveryError("the HTTP client did not start") }
                try sink.send(card, client: client, timeoutMilliseconds: config.timeoutMilliseconds)
                delivered.append(sink.config.id)
                metrics.alertDelivered(tenant: tenant, alert: alert.alert, sink: sink.config.kind.rawValue)
            } catch {
                failures.append("\(sink.config.id): \(error)")
                metrics.alertFailed(tenant: tenant, alert: alert.alert, sink: sink.config.kind.rawValue)
            }
        }
        var metadata: Logger.Metadata = [
            "wicket.tenant": "\(tenant)", "wicket.alert": "\(alert.alert)", "wicket.alert.id": "\(card.id)",
        ]
        if targets.isEmpty {
            metrics.alertAbandoned(tenant: tenant, alert: alert.alert)
            logger.warning("no sink is configured for this alert name; the alert is dropped", metadata: metadata)
            return .abandoned(id: alert.id, deliveredSinks: delivered, error: "no sink is configured for alert `\(alert.alert)`")
        }
        if failures.isEmpty {
            logger.info("alert delivered", metadata: metadata)
            return .delivered(id: alert.id, sinks: delivered)
        }
        let error = failures.joined(separator: "; ")
        metadata["wicket.error"] = "\(error)"
        if Date().timeIntervalSince(alert.created) >= config.giveUpAfterSeconds {
            metrics.alertAbandoned(tenant: tenant, alert: alert.alert)
            logger.error("alert abandoned after retrying", metadata: metadata)
            return .abandoned(id: alert.id, deliveredSinks: delivered, error: error)
        }
        let wait = config.backoff(afterAttempts: alert.attempts + 1)
        metadata["wicket.retry.seconds"] = "\(wait)"
        logger.warning("alert delivery failed; retrying", metadata: metadata)
        return .deferred(id: alert.id, deliveredSinks: delivered, nextAttempt: Date().addingTimeInterval(wait), error: error)
    }

    /// Sends a sample card to every sink of `name` now (`wicket alerts test`); returns each sink's outcome.
    public static func sendSample(name: String, config: AlertsConfig, tenant: String) throws -> [(sink: String, error: String?)] {
        let targets = config.sinks(named: name)
        guard !targets.isEmpty else { throw ConfigError("no `[[alerts.sink]]` has `alert = \"\(name)\"`") }
        let client = try HTTPClient()
        let card = AlertCard(alert: name, record: sampleRecord(tenant: tenant, alert: name))
        var outcomes: [(sink: String, error: String?)] = []
        for target in targets {
            let sink = try AlertSink(target)
            do {
                try sink.send(card, client: client, timeoutMilliseconds: config.timeoutMilliseconds)
                outcomes.append((target.id, nil))
            } catch {
                outcomes.append((target.id, "\(error)"))
            }
        }
        return outcomes
    }

    /// README's example record, marked as a test: record id 0, request id `wicket-alerts-test`.
    static func sampleRecord(tenant: String, alert: String) -> AuditRecord {
        var record = AuditRecord(
            tenant: tenant, member: "alex@company.com", agent: "maintenance-agent", sourceIP: "203.0.113.42",
            server: "database", method: "tools/call", targetKind: .tool, targetName: "delete_records",
            resource: "prod.customer_records", timeMicros: Int64(Date().timeIntervalSince1970 * 1_000_000),
            requestID: "wicket-alerts-test", decision: .deny, httpStatus: 403,
            policies: [.init(id: "release-window block", annotations: ["alert": alert, "reason": "allowed: 9–17"])],
            contextValues: [.init(name: "context.time.hour", value: "3")], latencyMicros: 0)
        record.id = 0
        return record
    }
}
