import Foundation
import WicketStore

/// How a security lead reads the audit: a table, a JSON line per record, or the Who/What/When/Why card.
public enum AuditPresentation {
    /// The card of README's example:
    ///
    ///     Who   alex@company.com via maintenance-agent · 203.0.113.42 · Ashburn, VA
    ///     What  database.delete_records on prod.customer_records
    ///     When  03:04:18 UTC · Apr 16, 2026 · session mcp_sess_7k91
    ///     Why   Matched: release-window block · context.time.hour = 3 (allowed: 9–17)
    public static func card(_ record: AuditRecord) -> [(field: String, detail: String)] {
        [("Who", who(record)), ("What", what(record)), ("When", when(record)), ("Why", why(record))]
    }

    public static func cardText(_ record: AuditRecord) -> String {
        var lines = [
            "Record \(record.id.map(String.init) ?? "-") · \(record.decision.rawValue.uppercased()) · HTTP \(record.httpStatus) · request \(record.requestID)"
        ]
        for row in card(record) { lines.append(row.field.padding(toLength: 6, withPad: " ", startingAt: 0) + row.detail) }
        if !record.errors.isEmpty { lines.append("Errors " + record.errors.joined(separator: "; ")) }
        if let hidden = record.listHidden {
            lines.append(
                "List  \(hidden) entries hidden" + (record.listHiddenBy.isEmpty ? "" : " by " + record.listHiddenBy.joined(separator: ", "))
            )
        }
        if let shadow = record.shadowDecision, shadow != record.decision {
            lines.append("Shadow the candidate policies would \(shadow.rawValue)")
        }
        lines.append("Took  \(record.latencyMicros) µs")
        if let node = record.node { lines.append("Node  \(node)") }
        return lines.joined(separator: "\n")
    }

    static func who(_ r: AuditRecord) -> String {
        var parts = [(r.member ?? "unauthenticated") + (r.agent.map { " via \($0)" } ?? "")]
        if let ip = r.sourceIP { parts.append(ip) }
        let place = [r.geoCity, r.geoRegion].compactMap { $0 }.joined(separator: ", ")
        if !place.isEmpty { parts.append(place) } else if let country = r.geoCountry { parts.append(country) }
        return parts.joined(separator: " · ")
    }

    static func what(_ r: AuditRecord) -> String {
        let server = r.server ?? "?"
        var text: String
        switch r.targetKind {
        case .tool?: text = "\(server).\(r.targetName ?? "?")"
        case .resource?, .prompt?, .completion?: text = "\(server) \(r.method ?? "?") \(r.targetName ?? "")"
        case nil: text = "\(server) \(r.method ?? "(no method)")"
        }
        if let resource = r.resource { text += " on \(resource)" }
        if let index = r.batchIndex { text += " (batch element \(index))" }
        return text
    }

    static func when(_ r: AuditRecord) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(r.timeMicros / 1_000_000))
        var parts = [format(date, "HH:mm:ss") + " UTC", format(date, "MMM d, yyyy")]
        if let session = r.sessionID {
            parts.append("session \(session)")
        } else {
            if let id = r.jsonrpcID { parts.append("id \(id)") }
            if let trace = r.traceparent { parts.append("trace \(trace)") }
        }
        return parts.joined(separator: " · ")
    }

    static func why(_ r: AuditRecord) -> String {
        guard let policy = r.policies.first else {
            if r.decision == .allow { return "Allowed" }
            return r.errors.first.map { "Refused: \($0)" } ?? "No policy permits it (default deny)"
        }
        var text = (r.decision == .allow ? "Permitted by: " : "Matched: ") + r.policies.map(\.id).joined(separator: ", ")
        if !r.contextValues.isEmpty {
            text += " · " + r.contextValues.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
        }
        if let reason = policy.annotations["reason"] { text += " (\(reason))" }
        // Refused after the policies spoke (no credential, a denied batch element, an erroring
        // policy): say why, so a matched permit never reads as the whole story of a deny.
        if r.decision == .deny, let error = r.errors.first { text += " · Refused: \(error)" }
        return text
    }

    /// One line per record for the table view.
    public static func tableRows(_ records: [AuditRecord]) -> String {
        var rows = [["ID", "TIME (UTC)", "DECISION", "MEMBER", "AGENT", "WHAT", "RULE"]]
        for r in records {
            let date = Date(timeIntervalSince1970: TimeInterval(r.timeMicros / 1_000_000))
            rows.append([
                r.id.map(String.init) ?? "-", format(date, "yyyy-MM-dd HH:mm:ss"),
                "\(r.decision.rawValue) \(r.httpStatus)", r.member ?? "-", r.agent ?? "-", what(r),
                r.policies.map(\.id).joined(separator: ","),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A JSON line for a SIEM.
    public static func jsonLine(_ record: AuditRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(record) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}

/// `1h`, `30m`, `90d`, `45s` → seconds.
public enum DurationText {
    public static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3600
        case "d": return number * 86400
        default: return nil
        }
    }
}
