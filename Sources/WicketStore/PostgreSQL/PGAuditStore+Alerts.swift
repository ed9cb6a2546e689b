import Foundation

/// The alert outbox on a shared store. Every node runs a dispatcher, so `dueAlerts` claims rows:
/// it locks due rows no other node holds (`FOR UPDATE SKIP LOCKED`) and moves their next attempt a
/// lease ahead in the same statement; the delivering node then marks them delivered, deferred or
/// abandoned. A node that dies mid-delivery leaves its rows to be retried after the lease.
extension PGAuditStore {
    /// How long a claimed alert is left to the node that claimed it.
    static let alertLeaseMicros: Int64 = 60_000_000
    private static let outboxColumns = "o.id, o.alert, o.created_us, o.attempts, o.delivered_sinks"

    public func dueAlerts(now: Date, limit: Int = 64) throws(StoreError) -> [OutboxAlert] {
        let nowMicros = AuditStore.micros(now)
        return try database.pool.withConnection { connection throws(StoreError) in
            let result = try connection.query(
                """
                WITH due AS (
                    SELECT id FROM alert_outbox WHERE state = 'pending' AND next_attempt_us <= $1
                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                UPDATE alert_outbox o SET next_attempt_us = $3 FROM due WHERE o.id = due.id
                RETURNING o.record_id, \(Self.outboxColumns)
                """, ["\(nowMicros)", "\(max(1, limit))", "\(nowMicros + Self.alertLeaseMicros)"])
            var out: [OutboxAlert] = []
            for row in 0..<result.rowCount {
                guard let recordID = result.int64(row, 0) else { continue }
                let records = try connection.query("SELECT id, \(Self.columns) FROM audit WHERE id = $1", ["\(recordID)"])
                guard records.rowCount == 1 else { continue }
                out.append(
                    OutboxAlert(
                        id: result.int64(row, 1) ?? 0, alert: result.text(row, 2) ?? "", record: try Self.record(records, 0),
                        created: StoreFiles.date(micros: result.int64(row, 3) ?? 0), attempts: Int(clamping: result.int64(row, 4) ?? 0),
                        deliveredSinks: (result.text(row, 5) ?? "").split(separator: ",").map(String.init)))
            }
            return out.sorted { $0.id < $1.id }
        }
    }

    public func nextAlertDue() throws(StoreError) -> Date? {
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.query("SELECT min(next_attempt_us) FROM alert_outbox WHERE state = 'pending'").int64(0, 0)
                .map(StoreFiles.date(micros:))
        }
    }

    public func outbox(limit: Int = 1000) throws(StoreError) -> [OutboxEntry] {
        try database.pool.withConnection { connection throws(StoreError) in
            let result = try connection.query(
                """
                SELECT id, record_id, alert, state, attempts, delivered_sinks, last_error FROM alert_outbox ORDER BY id LIMIT $1
                """, ["\(max(1, limit))"])
            return (0..<result.rowCount).map { row in
                OutboxEntry(
                    id: result.int64(row, 0) ?? 0, recordID: result.int64(row, 1) ?? 0, alert: result.text(row, 2) ?? "",
                    state: result.text(row, 3) ?? "", attempts: Int(clamping: result.int64(row, 4) ?? 0),
                    deliveredSinks: (result.text(row, 5) ?? "").split(separator: ",").map(String.init),
                    lastError: result.text(row, 6))
            }
        }
    }

    public func record(_ marks: [AlertMark]) throws(StoreError) {
        guard !marks.isEmpty else { return }
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                for mark in marks {
                    let (sql, values) = mark.statement
                    try connection.query(PGPlaceholders.numbered(sql), values.map(Self.text))
                }
            }
        }
    }
}
