import Crypto
import Foundation

/// Copies one tenant's SQLite store (keys, sealed credentials, audit) into its PostgreSQL database,
/// then verifies that every source row is there, identical: counts and SHA-256 checksums computed
/// the same way on both sides. Safe to re-run: keys and credentials already present are kept (a
/// revocation made in SQLite since is carried over), audit rows are matched by their SQLite id.
/// Sealed credentials are copied as sealed: the master key files stay where they are.
public enum StoreMigration {
    public struct Report: Sendable, Equatable {
        public var keys: Int
        public var credentials: Int
        public var auditRecords: Int
        public var keysChecksum: String
        public var credentialsChecksum: String
        public var auditChecksum: String
    }

    public static func run(sqliteDirectory directory: String, into database: PGTenantDatabase) throws(StoreError) -> Report {
        let keysFile = StoreFiles.join(directory, "keys.sqlite")
        let credentialsFile = StoreFiles.join(directory, "credentials.sqlite")
        let auditFile = StoreFiles.join(directory, "audit.sqlite")
        for file in [keysFile, credentialsFile, auditFile] where !FileManager.default.fileExists(atPath: file) {
            throw StoreError(.openFailed, "no sqlite store at `\(file)`; nothing to migrate")
        }
        let keys = try SQLiteConnection(path: keysFile, readOnly: true)
        let credentials = try SQLiteConnection(path: credentialsFile, readOnly: true)
        let audit = try SQLiteConnection(path: auditFile, readOnly: true)
        return try database.pool.withConnection { pg throws(StoreError) in
            let sourceKeys = try keyRows(keys)
            let sourceCredentials = try credentialRows(credentials)
            try pg.transaction { () throws(StoreError) in
                for row in sourceKeys {
                    try pg.query(
                        """
                        INSERT INTO member_keys (key_id, member, agent, secret_sha256, created_us, last_used_us, revoked_us)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        ON CONFLICT (key_id) DO UPDATE SET revoked_us = COALESCE(member_keys.revoked_us, excluded.revoked_us)
                        """,
                        [
                            row.keyID, row.member, row.agent, PGBytes.encode(row.hash), "\(row.created)",
                            row.lastUsed.map { "\($0)" }, row.revoked.map { "\($0)" },
                        ])
                }
                for row in sourceCredentials {
                    try pg.query(
                        """
                        INSERT INTO credentials (member, server, key_id, sealed, updated_us) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (member, server) DO NOTHING
                        """, [row.member, row.server, row.keyID, PGBytes.encode(row.sealed), "\(row.updated)"])
                }
                if let current = try currentKeyID(credentials) {
                    try pg.query("INSERT INTO meta (name, value) VALUES ('current_key_id', $1) ON CONFLICT (name) DO NOTHING", [current])
                }
            }
            let auditCount = try copyAudit(audit, into: pg, node: "sqlite:\(database.node)")

            // Verify: the same rows, byte for byte, on both sides.
            let pgKeys = try pgKeyRows(pg, ids: Set(sourceKeys.map(\.keyID)))
            let sourceKeySum = checksum(sourceKeys.map(\.line))
            guard pgKeys.count == sourceKeys.count, checksum(pgKeys.map(\.line)) == sourceKeySum else {
                throw StoreError(
                    .migrationMismatch,
                    "the keys in postgresql differ from the \(sourceKeys.count) in `\(keysFile)`; a key id is used differently on both sides"
                )
            }
            let pgCredentials = try pgCredentialRows(pg, pairs: Set(sourceCredentials.map { [$0.member, $0.server] }))
            let sourceCredentialSum = checksum(sourceCredentials.map(\.line))
            guard pgCredentials.count == sourceCredentials.count, checksum(pgCredentials.map(\.line)) == sourceCredentialSum else {
                throw StoreError(
                    .migrationMismatch,
                    "the credentials in postgresql differ from the \(sourceCredentials.count) in `\(credentialsFile)`; they were changed in postgresql since a previous migration"
                )
            }
            let (sourceAuditCount, sourceAuditSum) = try sqliteAuditChecksum(audit)
            let (pgAuditCount, pgAuditSum) = try pgAuditChecksum(pg)
            guard sourceAuditCount == pgAuditCount, sourceAuditSum == pgAuditSum, sourceAuditCount >= auditCount else {
                throw StoreError(
                    .migrationMismatch,
                    "postgresql holds \(pgAuditCount) migrated audit records, `\(auditFile)` holds \(sourceAuditCount), or their contents differ"
                )
            }
            return Report(
                keys: sourceKeys.count, credentials: sourceCredentials.count, auditRecords: sourceAuditCount,
                keysChecksum: sourceKeySum, credentialsChecksum: sourceCredentialSum, auditChecksum: sourceAuditSum)
        }
    }

    struct KeyRow {
        let keyID, member, agent: String
        let hash: [UInt8]
        let created: Int64
        let lastUsed, revoked: Int64?
        /// Revocation counts as a fact, not its time (PostgreSQL keeps its own if it revoked first).
        var line: String {
            [keyID, member, agent, PGBytes.encode(hash), "\(created)", revoked == nil ? "active" : "revoked"].joined(separator: "\u{1F}")
        }
    }

    struct CredentialRow {
        let member, server, keyID: String
        let sealed: [UInt8]
        let updated: Int64
        var line: String { [member, server, keyID, PGBytes.encode(sealed)].joined(separator: "\u{1F}") }
    }

    static func keyRows(_ db: SQLiteConnection) throws(StoreError) -> [KeyRow] {
        let select = try db.statement(
            "SELECT key_id, member, agent, secret_sha256, created_us, last_used_us, revoked_us FROM member_keys ORDER BY key_id")
        defer { select.reset() }
        var rows: [KeyRow] = []
        while try select.step() {
            rows.append(
                KeyRow(
                    keyID: select.text(0) ?? "", member: select.text(1) ?? "", agent: select.text(2) ?? "",
                    hash: select.blob(3) ?? [], created: select.int64(4), lastUsed: select.optionalInt64(5),
                    revoked: select.optionalInt64(6)))
        }
        return rows
    }

    static func pgKeyRows(_ pg: PGConnection, ids: Set<String>) throws(StoreError) -> [KeyRow] {
        let result = try pg.query(
            "SELECT key_id, member, agent, secret_sha256, created_us, last_used_us, revoked_us FROM member_keys ORDER BY key_id")
        return (0..<result.rowCount).compactMap { row in
            guard let id = result.text(row, 0), ids.contains(id) else { return nil }
            return KeyRow(
                keyID: id, member: result.text(row, 1) ?? "", agent: result.text(row, 2) ?? "",
                hash: result.bytes(row, 3) ?? [], created: result.int64(row, 4) ?? 0,
                lastUsed: result.int64(row, 5), revoked: result.int64(row, 6))
        }
    }

    static func credentialRows(_ db: SQLiteConnection) throws(StoreError) -> [CredentialRow] {
        let select = try db.statement("SELECT member, server, key_id, sealed, updated_us FROM credentials ORDER BY member, server")
        defer { select.reset() }
        var rows: [CredentialRow] = []
        while try select.step() {
            rows.append(
                CredentialRow(
                    member: select.text(0) ?? "", server: select.text(1) ?? "", keyID: select.text(2) ?? "",
                    sealed: select.blob(3) ?? [], updated: select.int64(4)))
        }
        return rows
    }

    static func pgCredentialRows(_ pg: PGConnection, pairs: Set<[String]>) throws(StoreError) -> [CredentialRow] {
        let result = try pg.query(
            "SELECT member, server, key_id, sealed, updated_us FROM credentials ORDER BY member COLLATE \"C\", server COLLATE \"C\"")
        let rows = (0..<result.rowCount).compactMap { row -> CredentialRow? in
            guard let member = result.text(row, 0), let server = result.text(row, 1), pairs.contains([member, server]) else { return nil }
            return CredentialRow(
                member: member, server: server, keyID: result.text(row, 2) ?? "",
                sealed: result.bytes(row, 3) ?? [], updated: result.int64(row, 4) ?? 0)
        }
        return rows
    }

    static func currentKeyID(_ db: SQLiteConnection) throws(StoreError) -> String? {
        let select = try db.statement("SELECT value FROM meta WHERE name = 'current_key_id'")
        defer { select.reset() }
        return try select.step() ? select.text(0) : nil
    }

    /// Copies audit rows in pages by SQLite id; returns how many were newly inserted.
    static func copyAudit(_ db: SQLiteConnection, into pg: PGConnection, node: String) throws(StoreError) -> Int {
        var after: Int64 = 0
        var inserted = 0
        let select = try db.statement("SELECT \(AuditStore.columns) FROM audit WHERE id > ? ORDER BY id LIMIT 500")
        while true {
            select.reset()
            try select.bind(.integer(after))
            var page: [(Int64, [SQLiteValue?])] = []
            while try select.step() {
                let record = try AuditStore.record(from: select)
                page.append((select.int64(0), AuditStore.values(record)))
            }
            select.reset()
            guard let last = page.last else { return inserted }
            after = last.0
            try pg.transaction { () throws(StoreError) in
                for (id, values) in page {
                    let placeholders = (1...(PGAuditStore.columnCount + 1)).map { "$\($0)" }.joined(separator: ", ")
                    let result = try pg.query(
                        """
                        INSERT INTO audit (\(PGAuditStore.columns), sqlite_id) VALUES (\(placeholders))
                        ON CONFLICT (sqlite_id) WHERE sqlite_id IS NOT NULL DO NOTHING
                        """, values.map(PGAuditStore.text) + [node, "\(id)"])
                    inserted += result.affectedRows
                }
            }
        }
    }

    static func auditLine(_ sqliteID: String, _ r: AuditRecord) -> String {
        [
            sqliteID, "\(r.timeMicros)", r.requestID, r.batchIndex.map(String.init) ?? "-", r.member ?? "-", r.agent ?? "-",
            r.keyID ?? "-", r.targetName ?? "-", r.decision.rawValue, "\(r.httpStatus)", RowJSON.policies(r.policies),
        ].joined(separator: "\u{1F}")
    }

    static func sqliteAuditChecksum(_ db: SQLiteConnection) throws(StoreError) -> (Int, String) {
        let select = try db.statement("SELECT \(AuditStore.columns) FROM audit ORDER BY id")
        defer { select.reset() }
        var hasher = SHA256()
        var count = 0
        while try select.step() {
            hasher.update(data: Array((auditLine("\(select.int64(0))", try AuditStore.record(from: select)) + "\n").utf8))
            count += 1
        }
        return (count, hex(hasher.finalize()))
    }

    static func pgAuditChecksum(_ pg: PGConnection) throws(StoreError) -> (Int, String) {
        var hasher = SHA256()
        var count = 0
        var after: Int64 = 0
        while true {
            let result = try pg.query(
                "SELECT id, \(PGAuditStore.columns), sqlite_id FROM audit WHERE sqlite_id > $1 ORDER BY sqlite_id LIMIT 5000", ["\(after)"])
            guard result.rowCount > 0 else { return (count, hex(hasher.finalize())) }
            for row in 0..<result.rowCount {
                let sqliteID = result.text(row, PGAuditStore.columnCount + 1) ?? ""
                hasher.update(data: Array((auditLine(sqliteID, try PGAuditStore.record(result, row)) + "\n").utf8))
                count += 1
                after = Int64(sqliteID) ?? after
            }
        }
    }

    static func checksum(_ lines: [String]) -> String {
        var hasher = SHA256()
        for line in lines.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            hasher.update(data: Array((line + "\n").utf8))
        }
        return hex(hasher.finalize())
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
