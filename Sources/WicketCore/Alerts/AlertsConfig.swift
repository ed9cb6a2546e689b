import Foundation

/// `[alerts]` and its `[[alerts.sink]]` tables: where `@alert("NAME")` sends, and how delivery retries.
///
///     [alerts]
///     retry_initial_ms = 500      # first retry after a failed delivery; doubles each time
///     retry_max_ms = 60000        # longest wait between retries
///     give_up_after = "24h"       # an alert still undelivered this long after its record is abandoned
///     timeout_ms = 5000           # one HTTP attempt (connect + answer)
///
///     [[alerts.sink]]
///     alert = "oncall"            # the name in @alert("oncall")
///     kind = "webhook"            # webhook | slack | syslog
///     url = "https://alerts.example.com/wicket"
///     secret_file = "alert-webhook.secret"   # HMAC-SHA256 key, mode 0600 (webhook only)
public struct AlertsConfig: Sendable {
    public var retryInitialMilliseconds = 500
    public var retryMaxMilliseconds = 60_000
    public var giveUpAfterSeconds: TimeInterval = 86_400
    public var timeoutMilliseconds = 5000
    public var sinks: [AlertSinkConfig] = []

    public init() {}

    /// The sinks configured under `name` (byte-wise comparison: alert names are policy text).
    public func sinks(named name: String) -> [AlertSinkConfig] {
        sinks.filter { $0.alert.utf8.elementsEqual(name.utf8) }
    }

    /// The wait before attempt `attempts + 1`: `retry_initial_ms` doubled per failure, capped.
    public func backoff(afterAttempts attempts: Int) -> TimeInterval {
        let exponent = min(max(attempts - 1, 0), 30)
        let millis = min(Double(retryInitialMilliseconds) * pow(2, Double(exponent)), Double(retryMaxMilliseconds))
        return millis / 1000
    }
}

/// One destination of an alert name.
public struct AlertSinkConfig: Sendable {
    public enum Kind: String, Sendable { case webhook, slack, syslog }

    public var alert: String
    public var kind: Kind
    /// webhook, slack: where to POST. Read from `url_file` when the URL itself is a secret (Slack's is).
    public var url: String?
    public var urlFile: String?
    /// webhook: the HMAC-SHA256 key's file (0600 or stricter).
    public var secretFile: String?
    /// syslog: the datagram socket (default `/dev/log`).
    public var socket: String
    /// syslog: the facility (default `auth`).
    public var facility: String
    /// Stable within a configuration: `webhook#0` is the first webhook of this alert name.
    public var id: String
}

extension AlertsConfig {
    static let facilities: [String: Int] = [
        "kern": 0, "user": 1, "daemon": 3, "auth": 4, "authpriv": 10,
        "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
    ]

    static func parse(_ table: TableReader?, resolve: (String) -> String) throws -> AlertsConfig {
        var config = AlertsConfig()
        guard let table else { return config }
        try table.allowOnly(["retry_initial_ms", "retry_max_ms", "give_up_after", "timeout_ms", "sink"])
        config.retryInitialMilliseconds = try table.integer("retry_initial_ms") ?? config.retryInitialMilliseconds
        config.retryMaxMilliseconds = try table.integer("retry_max_ms") ?? config.retryMaxMilliseconds
        config.timeoutMilliseconds = try table.integer("timeout_ms") ?? config.timeoutMilliseconds
        guard (10...3_600_000).contains(config.retryInitialMilliseconds),
            (config.retryInitialMilliseconds...86_400_000).contains(config.retryMaxMilliseconds)
        else {
            throw ConfigError("`alerts.retry_initial_ms` must be 10–3600000 and `alerts.retry_max_ms` at least as large, at most a day")
        }
        guard (100...120_000).contains(config.timeoutMilliseconds) else {
            throw ConfigError("`alerts.timeout_ms` must be between 100 and 120000")
        }
        if let text = try table.string("give_up_after") {
            guard let seconds = DurationText.seconds(text), seconds >= 1 else {
                throw ConfigError("`alerts.give_up_after` must be a duration such as `24h` or `90m`, not `\(text)`")
            }
            config.giveUpAfterSeconds = seconds
        }
        var counts: [String: Int] = [:]
        for sink in try table.tables("sink") {
            try sink.allowOnly(["alert", "kind", "url", "url_file", "secret_file", "socket", "facility"])
            let alert = try sink.requiredString("alert")
            guard alert.utf8.count <= 64, alert.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ConfigError("`alerts.sink` alert name `\(alert)` must be 1–64 printable ASCII characters without spaces")
            }
            let kindText = try sink.requiredString("kind")
            guard let kind = AlertSinkConfig.Kind(rawValue: kindText) else {
                throw ConfigError("alert `\(alert)`: sink kind `\(kindText)` must be `webhook`, `slack` or `syslog`")
            }
            let url = try sink.string("url")
            let urlFile = try sink.string("url_file").map(resolve)
            if kind != .syslog {
                guard (url == nil) != (urlFile == nil) else {
                    throw ConfigError("alert `\(alert)`: a \(kind.rawValue) sink needs exactly one of `url` and `url_file`")
                }
                if let url { try AlertSinkConfig.checkURL(url, alert: alert) }
            }
            let secretFile = try sink.string("secret_file").map(resolve)
            if kind == .webhook, secretFile == nil {
                throw ConfigError("alert `\(alert)`: a webhook sink needs `secret_file` (the HMAC-SHA256 key, mode 0600)")
            }
            let facility = try sink.string("facility") ?? "auth"
            guard facilities[facility] != nil else {
                throw ConfigError(
                    "alert `\(alert)`: syslog facility `\(facility)` must be one of \(facilities.keys.sorted().joined(separator: ", "))")
            }
            let key = "\(alert)/\(kind.rawValue)"
            let index = counts[key, default: 0]
            counts[key] = index + 1
            config.sinks.append(
                AlertSinkConfig(
                    alert: alert, kind: kind, url: url, urlFile: urlFile, secretFile: secretFile,
                    socket: try sink.string("socket").map(resolve) ?? "/dev/log", facility: facility,
                    id: "\(kind.rawValue)#\(index)"))
        }
        return config
    }
}

extension AlertSinkConfig {
    static func checkURL(_ url: String, alert: String) throws(ConfigError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw ConfigError("alert `\(alert)`: the sink URL must be an http:// or https:// URL")
        }
    }
}

extension AlertsConfig {
    /// `@alert` names the tenant's enforced policies use that no sink is configured for (their alerts
    /// would be dropped), sorted.
    func unconfiguredNames(in snapshot: PolicySnapshot) -> [String] {
        let names = Set(snapshot.enforced.policies.compactMap { $0.annotation("alert") })
        return names.filter { sinks(named: $0).isEmpty }.sorted()
    }
}
