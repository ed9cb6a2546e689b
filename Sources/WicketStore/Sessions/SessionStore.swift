import Foundation
import Logging
import WicketJSON

/// A tenant's session bindings (`sessions.sqlite` in the tenant directory): which member opened each
/// MCP session. See ``SessionBindings`` for the rules.
///
/// Its own file, not `keys.sqlite` or `audit.sqlite`: the audit file is written by group
/// commit, and a binding written there would queue behind it; the keys file is written by
/// `wicket keys` and a revocation must never wait on session traffic. `synchronous = FULL`: a new
/// binding is one insert per session (an fsync), and it must survive power loss, or after a crash
/// the first presenter of an old id would own it.
///
/// Hot path: a request carrying a session id is answered from memory (`ReadCache`: bound rows kept
/// while nothing has committed to `sessions.sqlite`; a claim, an end or a touch by any process is a
/// commit), else one primary-key read on a pooled connection. Unbound ids are never kept. The last
/// use is rewritten at most once a minute per session, in the background (`UseRecorder`). Several
/// `wicket serve` processes may share the file: `claim` is `INSERT … ON CONFLICT DO NOTHING`, atomic
/// under SQLite's write lock, so the first presenter wins and the loser reads the winner.
public final class SessionStore: SessionBindings {
    public let tenant: String
    public let rules: SessionBindingRules
    private let pool: ConnectionPool
    private let cache: ReadCache<Row>
    private let uses: UseRecorder
    private let logger: Logger
    /// Bindings kept in memory at most; past it the cache starts over.
    static let cachedBindings = 100_000

    /// A binding's row as `lookup` needs it.
    struct Row {
        let member: String
        let seen: Int64
        let ended: Bool
    }

    static let migrations = Migrations(steps: [
        """
        CREATE TABLE session_bindings (
            tenant      TEXT NOT NULL,
            server      TEXT NOT NULL,
            session_id  TEXT NOT NULL,
            member      TEXT NOT NULL,
            bound_us    INTEGER NOT NULL,
            seen_us     INTEGER NOT NULL,
            ended_us    INTEGER,
            PRIMARY KEY (tenant, server, session_id)
        ) WITHOUT ROWID;
        CREATE INDEX session_bindings_seen ON session_bindings (seen_us);
        """
    ])

    /// Opens (creating if needed) `<directory>/sessions.sqlite` for `tenant`.
    public init(
        directory: String, tenant: String, rules: SessionBindingRules,
        logger: Logger = Logger(label: "wicket.store.sessions")
    ) throws(StoreError) {
        try Names.validateTenant(tenant)
        try StoreFiles.ensureDirectory(directory)
        let path = StoreFiles.join(directory, "sessions.sqlite")
        try StoreFiles.ensurePrivateFile(path)
        self.tenant = tenant
        self.rules = rules
        self.logger = logger
        pool = ConnectionPool(maxIdle: 32) { () throws(StoreError) in
            try SQLiteConnection.openStore(path: path, synchronous: "FULL", busyTimeoutMilliseconds: 2000)
        }
        try pool.withConnection { connection throws(StoreError) in try Self.migrations.apply(to: connection) }
        cache = try ReadCache(path: path, maxEntries: Self.cachedBindings)
        uses = UseRecorder(label: "wicket.store.sessions.last-use")
    }

    public func lookup(server: String, sessionID: String, member: String, now: Int64) throws(StoreError) -> SessionBinding.State {
        let cacheKey = ExactKey(server, sessionID)
        let touching = uses.pending(cacheKey)  // before the row: see `UseRecorder`
        let row: Row
        switch try cache.find(cacheKey) {
        case .hit(let kept):
            row = kept
        case .miss(let ticket):
            let read = try pool.withConnection { connection throws(StoreError) in
                try self.row(connection, server: server, sessionID: sessionID)
            }
            guard let read else { return .unbound }
            cache.keep(read, for: cacheKey, ticket: ticket)
            row = read
        }
        return state(
            of: row, seen: max(row.seen, touching ?? row.seen), cacheKey: cacheKey,
            server: server, sessionID: sessionID, member: member, now: now)
    }

    public func claim(server: String, sessionID: String, member: String, now: Int64) throws(StoreError) -> SessionBinding.State {
        try pool.withConnection { connection throws(StoreError) in
            let insert = try connection.statement(
                """
                INSERT INTO session_bindings (tenant, server, session_id, member, bound_us, seen_us) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant, server, session_id) DO NOTHING
                """)
            try insert.bind(.text(tenant), .text(server), .text(sessionID), .text(member), .integer(now), .integer(now))
            try insert.run()
            if connection.changes == 1 { return .owned }
            // Someone bound it first (this process or another): answer with the winner.
            guard let row = try row(connection, server: server, sessionID: sessionID) else { return .unbound }
            return state(
                of: row, seen: row.seen, cacheKey: ExactKey(server, sessionID),
                server: server, sessionID: sessionID, member: member, now: now)
        }
    }

    public func end(server: String, sessionID: String, now: Int64) throws(StoreError) {
        try pool.withConnection { connection throws(StoreError) in
            let update = try connection.statement(
                """
                UPDATE session_bindings SET ended_us = ?, seen_us = ? WHERE tenant = ? AND server = ? AND session_id = ? AND ended_us IS NULL
                """)
            try update.bind(.integer(now), .integer(now), .text(tenant), .text(server), .text(sessionID))
            try update.run()
        }
    }

    @discardableResult
    public func purge(now: Int64) throws(StoreError) -> Int {
        try pool.withConnection { connection throws(StoreError) in
            // Ended rows carry their end time in seen_us; idle ones expired at seen_us + timeout.
            let delete = try connection.statement("DELETE FROM session_bindings WHERE tenant = ? AND seen_us < ?")
            try delete.bind(.text(tenant), .integer(now - rules.idleTimeoutMicros - rules.tombstoneMicros))
            try delete.run()
            return connection.changes
        }
    }

    /// How many bindings are stored (tombstones included), for tests and diagnostics.
    public func count() throws(StoreError) -> Int {
        try pool.withConnection { connection throws(StoreError) in
            Int(try connection.scalarInt("SELECT count(*) FROM session_bindings") ?? 0)
        }
    }

    private func row(_ connection: SQLiteConnection, server: String, sessionID: String) throws(StoreError) -> Row? {
        let select = try connection.statement(
            "SELECT member, seen_us, ended_us FROM session_bindings WHERE tenant = ? AND server = ? AND session_id = ?")
        try select.bind(.text(tenant), .text(server), .text(sessionID))
        defer { select.reset() }
        guard try select.step(), let owner = select.text(0) else { return nil }
        return Row(member: owner, seen: select.int64(1), ended: !select.isNull(2))
    }

    /// What `row` means for `member` at `now`, with last use `seen`; schedules the once-a-minute touch.
    private func state(
        of row: Row, seen: Int64, cacheKey: ExactKey, server: String, sessionID: String,
        member: String, now: Int64
    ) -> SessionBinding.State {
        // Byte-wise: member names are compared as stored, never by Unicode equivalence (in place:
        // two arrays of the bytes were made per request; then the generic `utf8.elementsEqual`
        // stepped both views index by index, ~1,200 instructions a request).
        guard ExactText.equal(row.member, member) else { return .boundToOther(member: row.member) }
        if row.ended || now - seen > rules.idleTimeoutMicros { return .expired }
        if now - seen >= rules.refreshMicros { touch(cacheKey, server: server, sessionID: sessionID, now: now) }
        return .owned
    }

    /// Best effort, in the background: a busy database must not turn a valid session into a refusal.
    private func touch(_ row: ExactKey, server: String, sessionID: String, now: Int64) {
        uses.record(row, at: now) { [pool, logger, tenant] in
            do {
                try pool.withConnection { connection throws(StoreError) in
                    let update = try connection.statement(
                        """
                        UPDATE session_bindings SET seen_us = ? WHERE tenant = ? AND server = ? AND session_id = ? AND ended_us IS NULL AND seen_us < ?
                        """)
                    try update.bind(.integer(now), .text(tenant), .text(server), .text(sessionID), .integer(now))
                    try update.run()
                }
            } catch {
                logger.warning("cannot record session use", metadata: ["wicket.server": "\(server)", "wicket.error": "\(error)"])
            }
        }
    }

    /// Closes idle connections; later calls throw `closed`.
    public func close() {
        uses.flush()
        cache.removeAll()
        pool.close()
    }
}
