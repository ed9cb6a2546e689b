import Foundation
import Prometheus
import Testing
import WicketStore

@testable import WicketCore

/// The pipeline's metrics, rendered by the Prometheus backend the way `wicket serve` bootstraps it.
@Suite struct MetricsTests {
    static func value(_ text: String, _ name: String, _ labels: [String]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            if labels.allSatisfy({ line.contains($0) }), let value = line.split(separator: " ").last.flatMap({ Double($0) }) {
                return value
            }
        }
        return nil
    }

    @Test func decisionsPoliciesLatencyAndAlertsAreCounted() throws {
        let registry = PrometheusCollectorRegistry()
        var options = PipelineOptions()
        options.metrics = WicketMetrics(factory: WicketMetrics.prometheusFactory(registry: registry))
        try withPipeline(options) { h in
            _ = try h.send(SeedScenarioTests.seedRequest(h))  // 03:04: denied by the release window
            _ = try h.send(SeedScenarioTests.seedRequest(h))
            try h.setNow("2026-04-16T11:00:00Z")
            _ = try h.send(SeedScenarioTests.seedRequest(h))  // 11:00: allowed
            _ = try h.send(h.request(Body.toolCall("query"), key: "wk_acme_nope", remote: "127.0.0.1"))
            let text = registry.emitToString()
            let deny = [#"tenant="acme""#, #"server="database""#, #"method="tools/call""#, #"decision="deny""#]
            #expect(Self.value(text, "wicket_decisions_total", deny) == 2)
            #expect(Self.value(text, "wicket_decisions_total", [#"method="tools/call""#, #"decision="allow""#]) == 1)
            #expect(Self.value(text, "wicket_decisions_total", [#"method="none""#, #"decision="deny""#]) == 1)
            #expect(Self.value(text, "wicket_policy_determinations_total", [#"policy="release-window block""#, #"decision="deny""#]) == 2)
            #expect(Self.value(text, "wicket_policy_determinations_total", [#"policy="engineers call tools""#]) == 1)
            #expect(Self.value(text, "wicket_alerts_queued_total", [#"alert="oncall""#]) == 2)
            #expect(Self.value(text, "wicket_decision_duration_seconds_count", [#"tenant="acme""#]) == 4)
            #expect(Self.value(text, "wicket_audit_commit_duration_seconds_count", [#"tenant="acme""#]) == 4)
        }
    }

    @Test func clientMethodsBeyondMCPsCountAsOther() {
        #expect(WicketMetrics.methodLabel("tools/call") == "tools/call")
        #expect(WicketMetrics.methodLabel("x/\(UUID())") == "other")
        #expect(WicketMetrics.methodLabel(nil) == "none")
    }

    @Test func theScrapeAnswerIsPrometheusText() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = WicketMetrics(factory: WicketMetrics.prometheusFactory(registry: registry))
        metrics.error(.geoip, tenant: "acme")
        metrics.policySet(tenant: "acme", hash: "aa", previous: nil)
        metrics.policySet(tenant: "acme", hash: "bb", previous: "aa")
        let answer = MetricsEndpoint(registry: registry).answer()
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(Self.value(text, "wicket_errors_total", [#"kind="geoip""#]) == 1)
        #expect(Self.value(text, "wicket_policy_set_info", [#"hash="bb""#]) == 1)
        #expect(!text.contains(#"hash="aa""#), "the replaced set's series is gone")
    }
}
