import Foundation

/// The alert outbox (`alert_outbox` in `audit.sqlite`): one row per (record, alert name) whose
/// determining policy carries `@alert("NAME")`, inserted in the record's own transaction, and
/// worked off by the alert dispatcher: delivered, retried later, or abandoned.
enum AlertOutboxSQL {
    /// The schema step (appended to the audit store's migrations).
    static let migration = """
        CREATE TABLE alert_outbox (
            id              INTEGER PRIMARY KEY,
            record_id       INTEGER NOT NULL REFERENCES audit (id) ON DELETE CASCADE,
            alert           TEXT NOT NULL,
            created_us      INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_us INTEGER NOT NULL,
            delivered_sinks TEXT NOT NULL DEFAULT '',
            state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'abandoned')),
            last_error      TEXT,
            UNIQUE (record_id, alert)
        );
        CREATE INDEX alert_outbox_due ON alert_outbox (state, next_attempt_us);
        """

    static let insertSQL = """
        INSERT OR IGNORE INTO alert_outbox (record_id, alert, created_us, next_attempt_us) VALUES (?, ?, ?, ?)
        """

    static func enqueue(recordID: Int64, alerts: [String], on connection: SQLiteConnection) throws(StoreError) {
        let now = AuditStore.micros(Date())
        let insert = try connection.statement(insertSQL)
        for alert in alerts {
            insert.reset()
            try insert.bind(.integer(recordID), .text(alert), .integer(now), .integer(now))
            try insert.run()
        }
    }
}

extension AuditRecord {
    /// The alert names this record raises: each determining policy's `@alert("NAME")`, once each.
    public var alertNames: [String] { Self.alertNames(in: policies) }

    /// The alert names `policies` raise, as ``alertNames`` (for a reader holding the policies alone).
    public static func alertNames(in policies: [DeterminingPolicy]) -> [String] {
        var names: [String] = []
        for policy in policies {
            if let name = policy.alertName { DeterminingPolicy.collectAlert(name, into: &names) }
        }
        return names
    }
}

/// One alert waiting in the outbox, with the record it is about.
public struct OutboxAlert: Sendable {
    /// The outbox row.
    public let id: Int64
    public let alert: String
    public let record: AuditRecord
    public let created: Date
    public let attempts: Int
    /// Sinks (`webhook#0`, …) that already took this alert; a retry skips them.
    public let deliveredSinks: [String]
}

/// What became of one delivery attempt.
public enum AlertMark: Sendable {
    /// Every sink took the alert: it is never sent again.
    case delivered(id: Int64, sinks: [String])
    /// Some sink failed: remember who took it, and try the rest again at `nextAttempt`.
    case deferred(id: Int64, deliveredSinks: [String], nextAttempt: Date, error: String)
    /// Given up (too old, or no sink can take it): kept for the operator, never sent again.
    case abandoned(id: Int64, deliveredSinks: [String], error: String)

    var statement: (String, [SQLiteValue?]) {
        switch self {
        case .delivered(let id, let sinks):
            (
                "UPDATE alert_outbox SET state = 'delivered', delivered_sinks = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                [.text(sinks.joined(separator: ",")), .integer(id)]
            )
        case .deferred(let id, let sinks, let next, let error):
            (
                "UPDATE alert_outbox SET attempts = attempts + 1, delivered_sinks = ?, next_attempt_us = ?, last_error = ? WHERE id = ?",
                [.text(sinks.joined(separator: ",")), .integer(AuditStore.micros(next)), .text(AuditStore.clip(error)), .integer(id)]
            )
        case .abandoned(let id, let sinks, let error):
            (
                "UPDATE alert_outbox SET state = 'abandoned', attempts = attempts + 1, delivered_sinks = ?, last_error = ? WHERE id = ?",
                [.text(sinks.joined(separator: ",")), .text(AuditStore.clip(error)), .integer(id)]
            )
        }
    }
}

/// An outbox row's state, for `wicket alerts list` and tests.
public struct OutboxEntry: Sendable, Equatable {
    public let id: Int64
    public let recordID: Int64
    public let alert: String
    public let state: String
    public let attempts: Int
    public let deliveredSinks: [String]
    public let lastError: String?
}

extension AuditStore {
    private static let outboxColumns = "o.id, o.alert, o.created_us, o.attempts, o.delivered_sinks"
    private static var recordColumns: String {
        columns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    }

    /// Pending alerts whose next attempt is due at `now`, oldest first.
    public func dueAlerts(now: Date, limit: Int = 64) throws(StoreError) -> [OutboxAlert] {
        let sql = """
            SELECT \(Self.recordColumns), \(Self.outboxColumns) FROM alert_outbox o JOIN audit a ON a.id = o.record_id \
            WHERE o.state = 'pending' AND o.next_attempt_us <= ? ORDER BY o.id LIMIT ?
            """
        return try readers.withConnection { connection throws(StoreError) in
            let select = try connection.statement(sql)
            try select.bind(.integer(Self.micros(now)), .int(max(1, limit)))
            defer { select.reset() }
            var out: [OutboxAlert] = []
            let base = Self.columnCount
            while try select.step() {
                out.append(
                    OutboxAlert(
                        id: select.int64(base), alert: select.text(base + 1) ?? "", record: try Self.record(from: select),
                        created: StoreFiles.date(micros: select.int64(base + 2)), attempts: Int(clamping: select.int64(base + 3)),
                        deliveredSinks: Self.sinkList(select.text(base + 4))))
            }
            return out
        }
    }

    /// When the earliest pending alert is next due, or nil when none is pending.
    public func nextAlertDue() throws(StoreError) -> Date? {
        try readers.withConnection { connection throws(StoreError) in
            let select = try connection.statement("SELECT min(next_attempt_us) FROM alert_outbox WHERE state = 'pending'")
            defer { select.reset() }
            guard try select.step(), let micros = select.optionalInt64(0) else { return nil }
            return StoreFiles.date(micros: micros)
        }
    }

    /// Every outbox row, oldest first (at most `limit`).
    public func outbox(limit: Int = 1000) throws(StoreError) -> [OutboxEntry] {
        try readers.withConnection { connection throws(StoreError) in
            let select = try connection.statement(
                """
                SELECT id, record_id, alert, state, attempts, delivered_sinks, last_error FROM alert_outbox ORDER BY id LIMIT ?
                """)
            try select.bind(.int(max(1, limit)))
            defer { select.reset() }
            var out: [OutboxEntry] = []
            while try select.step() {
                out.append(
                    OutboxEntry(
                        id: select.int64(0), recordID: select.int64(1), alert: select.text(2) ?? "",
                        state: select.text(3) ?? "", attempts: Int(clamping: select.int64(4)),
                        deliveredSinks: Self.sinkList(select.text(5)), lastError: select.text(6)))
            }
            return out
        }
    }

    /// Records what became of delivery attempts, all in one commit.
    public func record(_ marks: [AlertMark]) throws(StoreError) {
        guard !marks.isEmpty else { return }
        _ = try writer.append(work: .statements(marks.map(\.statement)))
    }

    private static func sinkList(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map(String.init)
    }
}
