import Foundation
import Prometheus
import Testing
import WicketStore

@testable import WicketCore

/// A request's metrics go through its tenant's cached handles (`TenantMetricHandles`): each tenant,
/// server, method, decision, policy and alert keeps its own series, with the same names and labels
/// as a handle made per call.
@Suite struct MetricHandlesTests {
    static func record(tenant: String, server: String, decision: AuditRecord.Decision, policies: [String], alert: String? = nil)
        -> AuditRecord
    {
        AuditRecord(
            tenant: tenant, server: server, method: "tools/call", timeMicros: 0, requestID: "r", decision: decision, httpStatus: 200,
            policies: policies.map { .init(id: $0, annotations: alert.map { ["alert": $0] } ?? [:]) }, latencyMicros: 0)
    }

    /// Whether `line` holds `part`, byte for byte (`String.contains` would match a canonically
    /// equivalent spelling).
    static func has(_ line: [UInt8], _ part: [UInt8]) -> Bool {
        guard part.count <= line.count else { return false }
        return (0...(line.count - part.count)).contains { start in line[start..<start + part.count].elementsEqual(part) }
    }

    @Test func everyTenantAndLabelSetKeepsItsOwnSeries() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = WicketMetrics(factory: WicketMetrics.prometheusFactory(registry: registry))
        let cafe = "caf\u{E9}"
        let window = "release-window block"
        for _ in 0..<3 {
            metrics.requestCommitted(
                [Self.record(tenant: "acme", server: "db", decision: .allow, policies: [cafe])], tenant: "acme",
                decisionNanoseconds: 1_000, commitNanoseconds: 2_000)
        }
        metrics.requestCommitted(
            [
                Self.record(tenant: "acme", server: "db", decision: .deny, policies: [window], alert: "oncall"),
                Self.record(tenant: "acme", server: "files", decision: .deny, policies: [cafe, window], alert: "oncall"),
            ], tenant: "acme", decisionNanoseconds: 1_000, commitNanoseconds: 2_000)
        metrics.requestCommitted(
            [Self.record(tenant: "beta", server: "db", decision: .allow, policies: [cafe])], tenant: "beta",
            decisionNanoseconds: 1_000, commitNanoseconds: 2_000)
        let text = registry.emitToString()
        let lines = text.split(separator: "\n").map { Array($0.utf8) }
        func value(_ name: String, _ labels: [String]) -> Double? {
            for line in lines where Self.has(line, Array((name + "{").utf8)) && labels.allSatisfy({ Self.has(line, Array($0.utf8)) }) {
                return String(decoding: line, as: UTF8.self).split(separator: " ").last.flatMap { Double($0) }
            }
            return nil
        }
        let acme = #"tenant="acme""#
        let beta = #"tenant="beta""#
        #expect(value("wicket_decisions_total", [acme, #"server="db""#, #"method="tools/call""#, #"decision="allow""#]) == 3)
        #expect(value("wicket_decisions_total", [acme, #"server="db""#, #"decision="deny""#]) == 1)
        #expect(value("wicket_decisions_total", [acme, #"server="files""#, #"decision="deny""#]) == 1)
        #expect(value("wicket_decisions_total", [beta, #"server="db""#, #"decision="allow""#]) == 1)
        #expect(value("wicket_policy_determinations_total", [acme, #"policy="\#(cafe)""#, #"decision="allow""#]) == 3)
        #expect(value("wicket_policy_determinations_total", [acme, #"policy="\#(cafe)""#, #"decision="deny""#]) == 1)
        #expect(value("wicket_policy_determinations_total", [acme, #"policy="\#(window)""#, #"decision="deny""#]) == 2)
        #expect(value("wicket_policy_determinations_total", [beta, #"policy="\#(cafe)""#]) == 1)
        #expect(value("wicket_alerts_queued_total", [acme, #"alert="oncall""#]) == 2)
        #expect(value("wicket_alerts_queued_total", [beta]) == nil)
        #expect(value("wicket_decision_duration_seconds_count", [acme]) == 4)
        #expect(value("wicket_audit_commit_duration_seconds_count", [beta]) == 1)
        // The same series a handle made per call reports, in the same label order.
        for series in [
            #"wicket_decisions_total{tenant="acme",server="db",method="tools/call",decision="allow"} 3"#,
            #"wicket_policy_determinations_total{tenant="beta",policy="\#(cafe)",decision="allow"} 1"#,
            #"wicket_alerts_queued_total{tenant="acme",alert="oncall"} 2"#,
        ] {
            #expect(lines.contains(Array(series.utf8)), "\(series)")
        }
    }

    /// The pass that counts a request's alerts also tells whether any policy carried `@alert` (the
    /// dispatcher is woken then), an empty name included, which counts no alert.
    @Test func reportsWhetherAPolicyCarriesAnAlert() {
        let registry = PrometheusCollectorRegistry()
        let metrics = WicketMetrics(factory: WicketMetrics.prometheusFactory(registry: registry))
        let handles = metrics.handles.tenant("acme", factory: metrics.factory)
        func committed(_ records: [AuditRecord]) -> Bool {
            metrics.requestCommitted(records, handles: handles, decisionNanoseconds: 1_000, commitNanoseconds: 2_000)
        }
        #expect(!committed([Self.record(tenant: "acme", server: "db", decision: .allow, policies: ["p"])]))
        #expect(!committed([]))
        #expect(committed([Self.record(tenant: "acme", server: "db", decision: .deny, policies: ["p", "q"], alert: "oncall")]))
        #expect(
            committed([
                Self.record(tenant: "acme", server: "db", decision: .allow, policies: ["p"]),
                Self.record(tenant: "acme", server: "db", decision: .deny, policies: ["q"], alert: ""),
            ]))
        // Two policies raising the same alert count it once for their record.
        let text = registry.emitToString()
        #expect(text.contains(#"wicket_alerts_queued_total{tenant="acme",alert="oncall"} 1"#))
        #expect(!text.contains(#"alert="""#))
    }
}
