import Foundation
import Logging

/// A tenant's audit trail (`audit.sqlite`, WAL, `synchronous = FULL`, checkpointed off the request
/// path by `AuditCheckpointer`).
///
/// `append` returns only after the record is durably committed, with group commit sharing one
/// transaction (and one fsync) among concurrent callers. If it throws, the caller must deny.
public final class AuditStore: Sendable {
    public let tenant: String
    /// The database file.
    public let path: String
    let writer: AuditWriter
    let checkpointer: AuditCheckpointer
    let readers: ConnectionPool
    /// The page size of a new audit file (an existing file keeps the one it was created with). Every
    /// commit writes each page it changed to the WAL — the table's last page and, per index, the page
    /// where each of its keys goes — so smaller pages write fewer bytes per commit: measured, 2048
    /// against SQLite's 4096 halves the WAL bytes of a one-record commit and cuts its CPU by a fifth,
    /// the same at 16–32 records a commit (docs/benchmarks.md, "The audit record's own cost").
    static let pageSize = 2048
    /// Longest stored text value, in UTF-8 bytes; longer values are cut (marked with `…`).
    static let maxFieldBytes = 4096

    /// Released migrations: never edit an entry, append new ones.
    static let migrations = Migrations(steps: [
        """
        CREATE TABLE audit (
            id              INTEGER PRIMARY KEY,
            time_us         INTEGER NOT NULL,
            request_id      TEXT NOT NULL,
            batch_index     INTEGER,
            tenant          TEXT NOT NULL,
            member          TEXT,
            agent           TEXT,
            key_id          TEXT,
            source_ip       TEXT,
            geo_country     TEXT,
            geo_region      TEXT,
            geo_city        TEXT,
            server          TEXT,
            method          TEXT,
            target_kind     TEXT,
            target_name     TEXT,
            resource        TEXT,
            session_id      TEXT,
            jsonrpc_id      TEXT,
            traceparent     TEXT,
            decision        TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
            http_status     INTEGER NOT NULL,
            policies_json   TEXT NOT NULL,
            context_json    TEXT NOT NULL,
            errors_json     TEXT NOT NULL,
            latency_us      INTEGER NOT NULL,
            shadow_decision TEXT CHECK (shadow_decision IN ('allow', 'deny'))
        );
        CREATE INDEX audit_time ON audit (time_us);
        CREATE INDEX audit_member_time ON audit (member, time_us);
        CREATE INDEX audit_target_time ON audit (target_name, time_us);
        """,
        AlertOutboxSQL.migration,
        // A filtered list's record: how many entries were hidden and by which policies (JSON).
        "ALTER TABLE audit ADD COLUMN list_json TEXT;",
    ])

    static let columns = """
        id, time_us, request_id, batch_index, tenant, member, agent, key_id, source_ip, geo_country, geo_region, \
        geo_city, server, method, target_kind, target_name, resource, session_id, jsonrpc_id, traceparent, decision, \
        http_status, policies_json, context_json, errors_json, latency_us, shadow_decision, list_json
        """
    /// How many columns `columns` selects (a join reads what follows them from this index on).
    static let columnCount = Int32(columns.split(separator: ",").count)
    /// `OR FAIL`: a row that breaks a constraint (a `NOT NULL` or `CHECK`) stops the statement without
    /// undoing the rows it already inserted, so SQLite opens no statement journal for a multi-row
    /// insert: with the default (`ABORT`) every page such a statement changes is first copied into one,
    /// ~1,200 instructions a record at 7 records a commit (docs/benchmarks.md, "Issue 11, round 8: the
    /// audit commit"). The writer rolls back the whole transaction on any error, so a failed batch
    /// still leaves none of its rows (`AuditRowInsertTests`).
    static let insertSQL = "INSERT OR FAIL " + insertTarget
    /// The insert of a commit that is this one statement, outside `BEGIN … COMMIT` (its own
    /// transaction): the default `ABORT`, so that a refused row rolls back the whole statement, which
    /// then opens no statement journal either (`AuditRowInsert`).
    static let aloneInsertSQL = "INSERT " + insertTarget
    private static let insertTarget = """
        INTO audit (\(columns)) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// When a committed record is safe.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous = FULL`: every group commit is fsynced; a record survives power loss.
        case full
        /// `synchronous = NORMAL` (WAL): a record is in the WAL before the answer leaves and survives a
        /// crash or kill of Wicket, but the last commits may be lost if the machine loses power.
        case normal
    }

    /// Opens (creating if needed) `<directory>/audit.sqlite` for `tenant`; commits are group commits led by a waiting caller (no writer thread).
    public convenience init(directory: String, tenant: String, durability: Durability = .full) throws(StoreError) {
        try self.init(directory: directory, tenant: tenant, busyTimeoutMilliseconds: 5000, durability: durability)
    }

    /// `checkpointFrames`: the WAL's size, in pages, at which the checkpoint thread copies it (tests make it small);
    /// `gatherBound`: the longest a commit's leader waits for announced decisions (AuditWriter+Gather.swift).
    init(
        directory: String, tenant: String, busyTimeoutMilliseconds: Int32, durability: Durability = .full,
        checkpointFrames: Int = AuditCheckpointer.defaultThreshold, gatherBound: Duration = AuditWriter.defaultGatherBound
    ) throws(StoreError) {
        try Names.validateTenant(tenant)
        try StoreFiles.ensureDirectory(directory)
        let path = StoreFiles.join(directory, "audit.sqlite")
        try StoreFiles.ensurePrivateFile(path)
        self.tenant = tenant
        self.path = path
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        // The writer's commits write their WAL frames in one write each (WALGather.swift).
        let connection = try SQLiteConnection.openStore(
            path: path, synchronous: synchronous, busyTimeoutMilliseconds: busyTimeoutMilliseconds, pageSize: Self.pageSize,
            vfs: WALGather.vfs)
        try Self.migrations.apply(to: connection)
        let checkpointer = AuditCheckpointer(threshold: checkpointFrames) { () throws(StoreError) in
            try SQLiteConnection.openStore(path: path, synchronous: synchronous, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        }
        self.checkpointer = checkpointer
        writer = AuditWriter(
            connection: connection, insertSQL: Self.insertSQL, aloneSQL: Self.aloneInsertSQL, tenant: tenant, checkpointer: checkpointer,
            gatherBound: gatherBound)
        readers = ConnectionPool(maxIdle: 4) { () throws(StoreError) in
            let reader = try SQLiteConnection(path: path, readOnly: true)
            try reader.execute("PRAGMA query_only = ON")
            return reader
        }
    }

    deinit { writer.close() }

    /// Commits `record` and returns its id once it is durable. Throws when it cannot be written,
    /// or when the record names another tenant; the request must then be denied.
    @discardableResult
    public func append(_ record: AuditRecord) throws(StoreError) -> Int64 {
        let ids = try append(contentsOf: [record])
        guard let id = ids.first else { throw StoreError(.sqlite, "the audit commit returned no row id") }
        return id
    }

    /// Commits `records` in one transaction — all of them or none — and returns their ids once durable
    /// (a batch's elements share a fate). Throws as `append(_:)` does.
    @discardableResult
    public func append(contentsOf records: [AuditRecord]) throws(StoreError) -> [Int64] {
        if let misfiled = AuditStore.misfiled(records, tenant: tenant) { throw misfiled }
        guard !records.isEmpty else { return [] }
        return try writer.append(work: .rows(AuditRow.rows(of: records)))
    }

    /// Commits `records` as ``append(contentsOf:)`` does, without waiting: `completion` gets the ids
    /// (or the error) once the transaction holding them has committed, on the thread that committed it
    /// (group commit: this one when no commit was under way, else that commit's leader). It never runs
    /// before the commit returned, so an answer it sends follows its record to disk.
    public func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
        append(contentsOf: records, announced: false, then: completion)
    }

    /// Says a decision whose records will come here has started: the group commit's leader may wait
    /// for it, briefly (AuditWriter+Gather.swift). End it with the append (`announced: true`) or
    /// ``withdraw()``, exactly once. Returns true: this store counts announcements.
    @discardableResult
    public func announce() -> Bool {
        writer.announce()
        return true
    }

    /// Ends an announcement that has no records to append.
    public func withdraw() { writer.withdraw() }

    /// ``append(contentsOf:then:)`` for a caller that announced its decision (`announced: true`).
    public func append(contentsOf records: [AuditRecord], announced: Bool, then completion: @escaping AuditCompletion) {
        if let misfiled = AuditStore.misfiled(records, tenant: tenant) {
            if announced { writer.withdraw() }
            return completion(.failure(misfiled))
        }
        guard !records.isEmpty else {
            if announced { writer.withdraw() }
            return completion(.success([]))
        }
        writer.append(work: .rows(AuditRow.rows(of: records)), announced: announced, then: completion)
    }

    /// The error for the first record of another tenant in `records`, if any: each tenant's audit takes
    /// only its own records (both backends, waiting or not).
    static func misfiled(_ records: [AuditRecord], tenant: String) -> StoreError? {
        let span = records.span  // each record read in place: `first(where:)` copies every one it passes
        guard let index = span.indices.first(where: { span[$0].tenant != tenant }) else { return nil }
        return StoreError(
            .invalidTenant, "a record of tenant `\(Names.printable(span[index].tenant))` cannot go into the audit of `\(tenant)`")
    }

    /// Records matching `query`, newest first.
    public func query(_ query: AuditQuery) throws(StoreError) -> [AuditRecord] {
        var records: [AuditRecord] = []
        try each(query, limit: min(max(query.limit, 1), 100_000)) { records.append($0) }
        return records
    }

    /// Streams the records matching `query`'s filters, newest first, to `body` one at a time (memory
    /// stays flat however many match); `limit` nil means every match, and `query.limit` is ignored.
    public func each(_ query: AuditQuery, limit: Int?, _ body: (AuditRecord) -> Void) throws(StoreError) {
        var (whereClause, values) = query.sqlFilter()
        var sql = "SELECT \(Self.columns) FROM audit\(whereClause) ORDER BY time_us DESC, id DESC"
        if let limit {
            sql += " LIMIT ?"
            values.append(.int(max(limit, 0)))
        }
        try readers.withConnection { connection throws(StoreError) in
            let select = try connection.statement(sql)
            try select.bind(values)
            defer { select.reset() }
            while try select.step() { body(try Self.record(from: select)) }
        }
    }

    /// The record with `id`, or nil.
    public func record(id: Int64) throws(StoreError) -> AuditRecord? {
        try readers.withConnection { connection throws(StoreError) in
            let select = try connection.statement("SELECT \(Self.columns) FROM audit WHERE id = ?")
            try select.bind(.integer(id))
            defer { select.reset() }
            return try select.step() ? try Self.record(from: select) : nil
        }
    }

    /// Deletes records older than `cutoff`; returns how many.
    @discardableResult
    public func prune(olderThan cutoff: Date) throws(StoreError) -> Int {
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 10_000)
        try connection.execute("PRAGMA foreign_keys = ON")  // their alert_outbox rows go with them
        let delete = try connection.statement("DELETE FROM audit WHERE time_us < ?")
        try delete.bind(.integer(Self.micros(cutoff)))
        try delete.run()
        return connection.changes
    }

    /// How many write transactions the writer has attempted since open (a metric: with group
    /// commit it grows slower than the number of appends under concurrency).
    public var transactionCount: Int { writer.transactionCount }

    /// Appends waiting behind the commit under way (for tests).
    var pendingAppends: Int { writer.pendingCount }

    /// Commits what is pending and stops the writer; later appends throw `closed`.
    public func close() {
        writer.close()
        readers.close()
    }
}
