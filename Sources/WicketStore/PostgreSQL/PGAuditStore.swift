import Foundation

/// A tenant's audit trail in its PostgreSQL database, shared by every node; each record carries the
/// name of the node that answered. `append` returns once the batch is committed: concurrent callers
/// on one node share a transaction (the same leader/follower group commit as SQLite, `AuditWriter`),
/// written as one multi-row INSERT. When the database is unreachable `append` throws and the request
/// is refused; the next leader reconnects, so the node recovers by itself.
public final class PGAuditStore: AuditLog, @unchecked Sendable {
    // @unchecked Sendable: `writerConnection` is only used by the writer's current leader (one at a
    // time, as `AuditWriter` guarantees); everything else is immutable or thread-safe.
    public let tenant: String
    public let node: String
    let database: PGTenantDatabase
    private var writer: AuditWriter?
    private var writerConnection: PGConnection?
    /// Rows per INSERT statement (PostgreSQL allows 65,535 parameters; 29 per row).
    static let rowsPerStatement = 1000
    /// Batches of up to this many records use a statement prepared on the writer's connection (one
    /// per batch size: a group commit is at most about one record per request thread).
    static let preparedRows = 64

    static let columns = """
        time_us, request_id, batch_index, tenant, member, agent, key_id, source_ip, geo_country, geo_region, \
        geo_city, server, method, target_kind, target_name, resource, session_id, jsonrpc_id, traceparent, decision, \
        http_status, policies_json, context_json, errors_json, latency_us, shadow_decision, list_json, node
        """
    static let columnCount = 28

    public init(database: PGTenantDatabase) {
        tenant = database.tenant
        node = database.node
        self.database = database
        writer = AuditWriter(tenant: database.tenant, commit: { [unowned self] batch in commit(batch) })
    }

    deinit { writer?.close() }

    @discardableResult
    public func append(contentsOf records: [AuditRecord]) throws(StoreError) -> [Int64] {
        if let misfiled = AuditStore.misfiled(records, tenant: tenant) { throw misfiled }
        guard !records.isEmpty else { return [] }
        guard let writer else { throw StoreError(.closed, "the audit store has been closed") }
        return try writer.append(records.map { AuditStore.values($0) + [.text(node)] }, alerts: records.map(\.alertNames))
    }

    /// ``append(contentsOf:)`` without waiting: the same group commit runs `completion` after it.
    public func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
        if let misfiled = AuditStore.misfiled(records, tenant: tenant) { return completion(.failure(misfiled)) }
        guard !records.isEmpty else { return completion(.success([])) }
        guard let writer else { return completion(.failure(StoreError(.closed, "the audit store has been closed"))) }
        writer.append(records.map { AuditStore.values($0) + [.text(node)] }, alerts: records.map(\.alertNames), then: completion)
    }

    /// One transaction for the whole batch; a broken connection is dropped and reopened next time.
    private func commit(_ batch: [AuditWriter.Work]) -> Result<[[Int64]], StoreError> {
        do throws(StoreError) {
            let connection: PGConnection
            if let existing = writerConnection, existing.isHealthy {
                connection = existing
            } else {
                writerConnection = nil
                connection = try PGConnection(settings: database.settings)
                writerConnection = connection
            }
            var rows: [[SQLiteValue?]] = []
            var alerts: [[String]] = []
            var counts: [Int] = []
            for work in batch {
                guard case .records(let itemRows, let itemAlerts) = work else { counts.append(0); continue }
                rows += itemRows
                alerts += (0..<itemRows.count).map { $0 < itemAlerts.count ? itemAlerts[$0] : [] }
                counts.append(itemRows.count)
            }
            let ids: [Int64]
            if rows.count <= Self.rowsPerStatement && alerts.allSatisfy(\.isEmpty) {
                // One statement is a transaction of its own (committed, WAL flushed, before the
                // answer comes back): one round trip instead of BEGIN, INSERT and COMMIT.
                ids = try insert(rows[...], on: connection)
            } else {
                ids = try connection.transaction { () throws(StoreError) -> [Int64] in
                    var ids: [Int64] = []
                    ids.reserveCapacity(rows.count)
                    var start = 0
                    while start < rows.count {
                        let chunk = rows[start..<min(start + Self.rowsPerStatement, rows.count)]
                        ids += try insert(chunk, on: connection)
                        start += chunk.count
                    }
                    // The alerts these records raise, in the same transaction.
                    let now = "\(StoreFiles.nowMicros())"
                    for (id, names) in zip(ids, alerts) {
                        for name in names {
                            try connection.prepared(
                                """
                                INSERT INTO alert_outbox (record_id, alert, created_us, next_attempt_us) VALUES ($1, $2, $3, $3)
                                ON CONFLICT (record_id, alert) DO NOTHING
                                """, ["\(id)", name, now])
                        }
                    }
                    return ids
                }
            }
            var out: [[Int64]] = []
            var offset = 0
            for count in counts {
                out.append(Array(ids[offset..<offset + count]))
                offset += count
            }
            return .success(out)
        } catch {
            if let existing = writerConnection, !existing.isHealthy { writerConnection = nil }
            return .failure(error)
        }
    }

    /// One multi-row INSERT … RETURNING id; prepared on the writer's connection for batches of up to
    /// `preparedRows` records (one statement per batch size, its text built once), plain above that.
    private func insert(_ rows: ArraySlice<[SQLiteValue?]>, on connection: PGConnection) throws(StoreError) -> [Int64] {
        var parameters: [String?] = []
        parameters.reserveCapacity(rows.count * Self.columnCount)
        for row in rows { parameters += row.map(Self.text) }
        let result =
            rows.count <= Self.preparedRows
            ? try connection.prepared(.auditInsert(rows: rows.count), parameters) { Self.insertSQL(rows: rows.count) }
            : try connection.query(Self.insertSQL(rows: rows.count), parameters)
        guard result.rowCount == rows.count else {
            throw StoreError(.postgres, "the audit insert returned \(result.rowCount) ids for \(rows.count) records")
        }
        return (0..<result.rowCount).map { result.int64($0, 0) ?? 0 }
    }

    /// The INSERT for `count` rows, a function of the count alone (``PGStatementKey/auditInsert(rows:)``
    /// relies on it); made only when a connection prepares it, or for a batch too large to prepare.
    static func insertSQL(rows count: Int) -> String {
        var sql = "INSERT INTO audit (\(columns)) VALUES "
        for index in 0..<count {
            if index > 0 { sql += ", " }
            sql += "(" + (0..<columnCount).map { "$\(index * columnCount + $0 + 1)" }.joined(separator: ", ") + ")"
        }
        sql += " RETURNING id"
        return sql
    }

    static func text(_ value: SQLiteValue?) -> String? {
        switch value {
        case nil: nil
        case .integer(let v): String(v)
        case .text(let v): v
        case .blob(let bytes): PGBytes.encode(bytes)
        }
    }

    public func query(_ query: AuditQuery) throws(StoreError) -> [AuditRecord] {
        var records: [AuditRecord] = []
        try each(query, limit: min(max(query.limit, 1), 100_000)) { records.append($0) }
        return records
    }

    /// Streams matches newest first, a page at a time (keyset on time and id), so memory stays flat.
    public func each(_ query: AuditQuery, limit: Int?, _ body: (AuditRecord) -> Void) throws(StoreError) {
        let (filter, filterValues) = query.sqlFilter()
        var remaining = limit.map { max($0, 0) }
        var after: (Int64, Int64)?
        while remaining.map({ $0 > 0 }) ?? true {
            var (whereClause, values) = (filter, filterValues.map(Self.text))
            if let (time, id) = after {
                whereClause += (whereClause.isEmpty ? " WHERE " : " AND ") + "(time_us, id) < (?, ?)"
                values += ["\(time)", "\(id)"]
            }
            let page = min(remaining ?? 5000, 5000)
            values.append("\(page)")
            let sql = PGPlaceholders.numbered("SELECT id, \(Self.columns) FROM audit\(whereClause) ORDER BY time_us DESC, id DESC LIMIT ?")
            let records = try database.pool.withConnection { connection throws(StoreError) -> [AuditRecord] in
                let result = try connection.query(sql, values)
                var records: [AuditRecord] = []
                for row in 0..<result.rowCount { records.append(try Self.record(result, row)) }
                return records
            }
            for record in records { body(record) }
            guard records.count == page, let last = records.last else { return }
            after = (last.timeMicros, last.id ?? 0)
            remaining = remaining.map { $0 - records.count }
        }
    }

    public func record(id: Int64) throws(StoreError) -> AuditRecord? {
        try database.pool.withConnection { connection throws(StoreError) in
            let result = try connection.query("SELECT id, \(Self.columns) FROM audit WHERE id = $1", ["\(id)"])
            return result.rowCount == 1 ? try Self.record(result, 0) : nil
        }
    }

    @discardableResult
    public func prune(olderThan cutoff: Date) throws(StoreError) -> Int {
        try database.pool.withConnection { connection throws(StoreError) in
            // Their alert_outbox rows go with them (ON DELETE CASCADE).
            try connection.query("DELETE FROM audit WHERE time_us < $1", ["\(AuditStore.micros(cutoff))"]).affectedRows
        }
    }

    /// A row of `SELECT id, <columns>` as a record (column 0 is the id, then `columns` in order).
    static func record(_ r: PGResult, _ row: Int) throws(StoreError) -> AuditRecord {
        func t(_ column: Int) -> String? { r.text(row, column) }
        guard let decision = t(20).flatMap(AuditRecord.Decision.init(rawValue:)) else {
            throw StoreError(.postgres, "audit row \(t(0) ?? "?") has an unknown decision")
        }
        var record = AuditRecord(
            tenant: t(4) ?? "", member: t(5), agent: t(6), keyID: t(7), sourceIP: t(8),
            geoCountry: t(9), geoRegion: t(10), geoCity: t(11),
            server: t(12), method: t(13), targetKind: t(14).flatMap(AuditRecord.TargetKind.init(rawValue:)),
            targetName: t(15), resource: t(16),
            timeMicros: r.int64(row, 1) ?? 0, sessionID: t(17), jsonrpcID: t(18), traceparent: t(19),
            requestID: t(2) ?? "", batchIndex: r.int64(row, 3).flatMap { Int(exactly: $0) },
            decision: decision, httpStatus: Int(clamping: r.int64(row, 21) ?? 0),
            policies: AuditStore.decode([AuditRecord.DeterminingPolicy].self, t(22)) ?? [],
            contextValues: AuditStore.decode([AuditRecord.ContextValue].self, t(23)) ?? [],
            errors: AuditStore.decode([String].self, t(24)) ?? [],
            latencyMicros: r.int64(row, 25) ?? 0, shadowDecision: t(26).flatMap(AuditRecord.Decision.init(rawValue:)))
        record = record.with(list: AuditStore.decode(RowJSON.ListColumn.self, t(27)))
        record.id = r.int64(row, 0)
        record.node = t(28)
        return record
    }

    public func close() {
        writer?.close()
    }
}
