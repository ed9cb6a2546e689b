import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// `@alert` through the pipeline into the outbox, the alert's card and signature, and the
/// `[alerts]` configuration.
@Suite struct AlertsTests {
    @Test func theSeedDenialQueuesAnOncallAlertAndTheElevenOClockAllowDoesNot() throws {
        try withPipeline { h in
            let denied = try h.send(SeedScenarioTests.seedRequest(h))
            let record = try #require(denied.record)
            #expect(record.policies.first?.annotations["alert"] == "oncall")
            let audit = try #require(h.tenants["acme"]?.audit)
            #expect(try audit.outbox().map(\.recordID) == [try #require(record.id)])
            #expect(try audit.outbox().map(\.alert) == ["oncall"])

            try h.setNow("2026-04-16T11:00:00Z")
            _ = try h.send(SeedScenarioTests.seedRequest(h))
            #expect(try audit.outbox().count == 1, "an allow by another policy raises nothing")
        }
    }

    @Test func anAlertNameWithoutASinkIsNamedAtStart() throws {
        try withPipeline { h in
            let snapshot = try #require(h.tenants["acme"]?.snapshot)
            #expect(h.config.alerts.unconfiguredNames(in: snapshot) == ["oncall"])
            var alerts = AlertsConfig()
            alerts.sinks = [
                AlertSinkConfig(
                    alert: "oncall", kind: .syslog, url: nil, urlFile: nil, secretFile: nil,
                    socket: "/dev/log", facility: "auth", id: "syslog#0")
            ]
            #expect(alerts.unconfiguredNames(in: snapshot).isEmpty)
        }
    }

    @Test func theCardCarriesWhoWhatWhenWhyAndNoArguments() throws {
        try withPipeline { h in
            let sentinel = "SENTINEL-9d2f"
            let body = Body.toolCall("delete_records", arguments: #"{"table":"prod.customer_records","note":"\#(sentinel)"}"#, id: 7)
            let out = try h.send(h.request(body, key: h.key(PipelineHarness.alex), remote: "127.0.0.1", forwardedFor: "203.0.113.42"))
            let record = try #require(out.record)
            let card = AlertCard(alert: "oncall", record: record)
            #expect(card.id == "acme/\(try #require(record.id))")
            #expect(card.who == "alex@company.com via maintenance-agent · 203.0.113.42 · Ashburn, VA")
            #expect(card.what == "database.delete_records on prod.customer_records")
            #expect(card.why == "Matched: release-window block · context.time.hour = 3 (allowed: 9–17)")
            for rendered in [card.json(), card.slack(), Array(card.syslogLine().utf8)] {
                let text = String(decoding: rendered, as: UTF8.self)
                #expect(!text.contains(sentinel))
                #expect(!text.contains(h.key(PipelineHarness.alex)))
                #expect(!text.contains(PipelineHarness.alexCredential))
                #expect(text.contains(card.id))
            }
        }
    }

    @Test func theWebhookSignatureIsHMACSHA256OfTimestampDotBody() {
        // Python: hmac.new(b"0123456789abcdef-secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        let signature = WebhookSignature.sign(
            body: Array(#"{"a":1}"#.utf8), timestamp: 1_700_000_000,
            secret: Array("0123456789abcdef-secret".utf8))
        #expect(signature == "sha256=6948a2dc6985c92d09b9edade5c97dce2ba201452d91a72e4a20d35abe4d3420")
    }

    static func parse(_ alerts: String) throws -> WicketConfig {
        try WicketConfig.parse(
            """
            [[tenant]]
            name = "acme"
            policies = "p"
            entities = "e.json"
            \(alerts)
            """, baseDirectory: "/etc/wicket")
    }

    @Test func alertSinksParseWithDefaultsAndStableIDs() throws {
        let config = try Self.parse(
            """
            [alerts]
            retry_initial_ms = 100
            retry_max_ms = 1000
            [[alerts.sink]]
            alert = "oncall"
            kind = "webhook"
            url = "https://alerts.example.com/hook"
            secret_file = "hook.secret"
            [[alerts.sink]]
            alert = "oncall"
            kind = "syslog"
            [[alerts.sink]]
            alert = "security"
            kind = "webhook"
            url = "http://127.0.0.1:9/x"
            secret_file = "/run/s"
            """)
        let alerts = config.alerts
        #expect(alerts.sinks(named: "oncall").map(\.id) == ["webhook#0", "syslog#0"])
        #expect(alerts.sinks(named: "oncall").first?.secretFile == "/etc/wicket/hook.secret")
        #expect(alerts.sinks(named: "oncall").last?.socket == "/dev/log")
        #expect(alerts.sinks(named: "security").map(\.id) == ["webhook#0"])
        #expect((1...6).map { alerts.backoff(afterAttempts: $0) } == [0.1, 0.2, 0.4, 0.8, 1, 1])
        #expect(try Self.parse("").alerts.sinks.isEmpty)
        #expect(try Self.parse("").alerts.giveUpAfterSeconds == 86_400)
    }

    @Test(arguments: [
        ("[[alerts.sink]]\nalert = \"x\"\nkind = \"webhook\"\nurl = \"http://h/\"", "secret_file"),
        ("[[alerts.sink]]\nalert = \"x\"\nkind = \"pager\"", "`webhook`, `slack` or `syslog`"),
        ("[[alerts.sink]]\nalert = \"x\"\nkind = \"slack\"", "exactly one of `url` and `url_file`"),
        ("[[alerts.sink]]\nalert = \"x\"\nkind = \"slack\"\nurl = \"ftp://h/\"", "http:// or https://"),
        ("[alerts]\ngive_up_after = \"soon\"", "duration"),
        ("[alerts]\nretry_initial_ms = 5000\nretry_max_ms = 100", "retry_max_ms"),
    ])
    func badAlertConfigurationIsRefusedWithTheKey(text: String, words: String) {
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            "\(error)".contains(words)
        }
    }

    @Test func aSecretFileOthersCanReadIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-alert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/hook.secret"
        try "0123456789abcdef-secret\n".write(toFile: path, atomically: true, encoding: .utf8)
        let sink = AlertSinkConfig(
            alert: "oncall", kind: .webhook, url: "http://127.0.0.1:9/", urlFile: nil, secretFile: path,
            socket: "/dev/log", facility: "auth", id: "webhook#0")
        chmod(path, 0o644)
        #expect(throws: ConfigError.self) { _ = try AlertSink(sink) }
        chmod(path, 0o600)
        let ready = try AlertSink(sink)
        #expect(ready.secret == Array("0123456789abcdef-secret".utf8))
        #expect(!"\(ready)".contains("secret") && !"\(ready)".contains("127.0.0.1"))
    }
}
