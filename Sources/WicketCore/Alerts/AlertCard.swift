import Crypto
import Foundation
import WicketStore

/// What an alert says: the record's card (who, what, when, why) and its id — never arguments,
/// bodies, keys or credentials. The record itself holds none of those (README.md, "Audit"; docs/threat-model.md); the card
/// repeats only the fields an on-call person needs.
struct AlertCard: Codable, Equatable {
    /// `<tenant>/<record id>`: the same alert always carries the same id, so a receiver drops repeats.
    let id: String
    let alert: String
    let tenant: String
    let recordID: Int64
    let requestID: String
    let time: String
    let decision: String
    let status: Int
    let member: String?
    let agent: String?
    let sourceIP: String?
    let server: String?
    let method: String?
    let target: String?
    let resource: String?
    let policies: [String]
    let reason: String?
    let who: String
    let what: String
    let when: String
    let why: String

    enum CodingKeys: String, CodingKey {
        case id, alert, tenant
        case recordID = "record_id"
        case requestID = "request_id"
        case time, decision, status, member, agent
        case sourceIP = "source_ip"
        case server, method, target, resource, policies, reason, who, what, when, why
    }

    init(alert: String, record: AuditRecord) {
        let recordID = record.id ?? 0
        id = "\(record.tenant)/\(recordID)"
        self.alert = alert
        tenant = record.tenant
        self.recordID = recordID
        requestID = record.requestID
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        time = formatter.string(from: record.time)
        decision = record.decision.rawValue
        status = record.httpStatus
        member = record.member
        agent = record.agent
        sourceIP = record.sourceIP
        server = record.server
        method = record.method
        target = record.targetName
        resource = record.resource
        policies = record.policies.map(\.id)
        reason = record.policies.lazy.compactMap { $0.annotations["reason"] }.first
        who = AuditPresentation.who(record)
        what = AuditPresentation.what(record)
        when = AuditPresentation.when(record)
        why = AuditPresentation.why(record)
    }

    /// The generic webhook body: the card as one JSON object (sorted keys).
    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
    }

    /// A Slack incoming-webhook body (`{"text": …}` in Slack's mrkdwn).
    func slack() -> [UInt8] {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        let text =
            ":rotating_light: *Wicket alert `\(escape(alert))`* — \(decision.uppercased()) (record \(escape(id)))\n"
            + "*Who* \(escape(who))\n*What* \(escape(what))\n*When* \(escape(when))\n*Why* \(escape(why))"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(["text": text]))) ?? Array("{}".utf8)
    }

    /// One syslog line: no control characters, fields in a fixed order.
    func syslogLine() -> String {
        func clean(_ text: String) -> String {
            String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        }
        return clean(
            "alert \(alert) \(decision) record \(id) request \(requestID) · who: \(who) · what: \(what) · when: \(when) · why: \(why)")
    }
}

/// The webhook signature: `X-Wicket-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
/// with the same `<timestamp>` (Unix seconds) in `X-Wicket-Timestamp`, so a receiver can refuse replays.
enum WebhookSignature {
    static func sign(body: [UInt8], timestamp: Int, secret: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
