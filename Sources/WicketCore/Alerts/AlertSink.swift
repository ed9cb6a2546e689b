import Foundation
import WicketStore

/// A sink ready to send: its configuration with the secrets read from their files. Its
/// `description` names the sink only — never the URL (a Slack URL is a credential) or the key.
struct AlertSink: Sendable, CustomStringConvertible {
    let config: AlertSinkConfig
    let url: String?
    let secret: [UInt8]?

    var description: String { "\(config.alert) \(config.id)" }

    /// Reads `url_file` and `secret_file`; each must be a regular file no one but its owner can read.
    init(_ config: AlertSinkConfig) throws(ConfigError) {
        self.config = config
        if let file = config.urlFile {
            let text = try Self.readPrivate(file, what: "URL").trimmingCharacters(in: .whitespacesAndNewlines)
            try AlertSinkConfig.checkURL(text, alert: config.alert)
            url = text
        } else {
            url = config.url
        }
        if let file = config.secretFile {
            let text = try Self.readPrivate(file, what: "secret").trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.utf8.count >= 16 else {
                throw ConfigError("alert `\(config.alert)`: the secret in `\(file)` must be at least 16 bytes")
            }
            secret = Array(text.utf8)
        } else {
            secret = nil
        }
    }

    static func readPrivate(_ path: String, what: String) throws(ConfigError) -> String {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigError("cannot read the alert \(what) file `\(path)`")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigError("the alert \(what) file `\(path)` must not be readable by group or others; run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("cannot read the alert \(what) file `\(path)`")
        }
        return text
    }

    /// Delivers `card` once; throws with a sentence saying why it did not arrive.
    func send(_ card: AlertCard, client: HTTPClient, timeoutMilliseconds: Int) throws(AlertDeliveryError) {
        switch config.kind {
        case .syslog:
            let facility = AlertsConfig.facilities[config.facility] ?? 4
            do { try SyslogSender.send(card.syslogLine(), socketPath: config.socket, facility: facility) } catch {
                throw AlertDeliveryError(error.description)
            }
        case .webhook, .slack:
            guard let url else { throw AlertDeliveryError("the sink has no URL") }
            var headers: [(String, String)] = [("Content-Type", "application/json"), ("User-Agent", "wicket")]
            let body: [UInt8]
            if config.kind == .webhook {
                body = card.json()
                let timestamp = Int(Date().timeIntervalSince1970)
                headers += [
                    ("Idempotency-Key", card.id),
                    ("X-Wicket-Alert", card.alert),
                    ("X-Wicket-Alert-Id", card.id),
                    ("X-Wicket-Timestamp", String(timestamp)),
                    ("X-Wicket-Signature", WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret ?? [])),
                ]
            } else {
                body = card.slack()
            }
            let status: Int
            do { status = try client.post(url: url, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds) } catch {
                throw AlertDeliveryError("no answer from the \(config.kind.rawValue) receiver: \(error.description)")
            }
            guard (200..<300).contains(status) else {
                throw AlertDeliveryError("the \(config.kind.rawValue) receiver answered HTTP \(status)")
            }
        }
    }
}

/// Why one delivery attempt failed.
struct AlertDeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
