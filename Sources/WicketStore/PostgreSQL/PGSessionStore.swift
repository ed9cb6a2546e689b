import Foundation
import Logging

/// A tenant's session bindings in its PostgreSQL database, shared by every node: a session opened
/// through node A is bound to its member on node B too. `claim` is `INSERT … ON CONFLICT DO
/// NOTHING` and then a read, so the first presenter on any node wins. Rules: ``SessionBindings``.
/// Given the tenant's credential store, the session check also reads the member's credential in the
/// same statement (``SessionCredentialReading``).
public final class PGSessionStore: SessionBindingStore, SessionCredentialReading, @unchecked Sendable {
    // @unchecked Sendable: immutable after init; the pool and the credential store are thread-safe.
    public let tenant: String
    public let rules: SessionBindingRules
    private let database: PGTenantDatabase
    private let credentials: PGCredentialStore?
    private let logger: Logger

    public init(
        database: PGTenantDatabase, rules: SessionBindingRules, credentials: PGCredentialStore? = nil,
        logger: Logger = Logger(label: "wicket.store.sessions")
    ) {
        tenant = database.tenant
        self.database = database
        self.rules = rules
        self.credentials = credentials
        self.logger = logger
    }

    public func lookup(server: String, sessionID: String, member: String, now: Int64) throws(StoreError) -> SessionBinding.State {
        try database.pool.withConnection { connection throws(StoreError) in
            try read(connection, server: server, sessionID: sessionID, member: member, now: now)
        }
    }

    /// The binding and the member's sealed credential for `server` in one statement: one row always
    /// (a `VALUES` row left-joined to both), so an absent binding or credential is a NULL, not a
    /// missing row. The credential is opened only when the caller reveals it.
    public func lookupReadingCredential(
        server: String, sessionID: String, member: String, now: Int64
    ) throws(StoreError) -> (state: SessionBinding.State, credential: ReadCredential?) {
        guard let credentials else { return (try lookup(server: server, sessionID: sessionID, member: member, now: now), nil) }
        return try database.pool.withConnection { connection throws(StoreError) in
            let result = try connection.prepared(
                """
                SELECT s.member, s.seen_us, s.ended_us, c.key_id, c.sealed FROM (VALUES (1)) AS one (x)
                LEFT JOIN session_bindings s ON s.tenant = $1 AND s.server = $2 AND s.session_id = $3
                LEFT JOIN credentials c ON c.member = $4 AND c.server = $2
                """, [tenant, server, sessionID, member])
            guard result.rowCount == 1 else {
                throw StoreError(.postgres, "the session check returned \(result.rowCount) rows instead of one")
            }
            let binding = state(of: result, connection, server: server, sessionID: sessionID, member: member, now: now)
            let row = result.text(0, 3).flatMap { keyID in result.bytes(0, 4).map { (keyID, $0) } }
            let credential = ReadCredential { () throws(StoreError) -> Secret? in
                guard let (keyID, sealed) = row else { return nil }
                return try credentials.open(keyID: keyID, sealed: sealed, member: member, server: server)
            }
            return (binding, credential)
        }
    }

    public func claim(server: String, sessionID: String, member: String, now: Int64) throws(StoreError) -> SessionBinding.State {
        try database.pool.withConnection { connection throws(StoreError) in
            let insert = try connection.prepared(
                """
                INSERT INTO session_bindings (tenant, server, session_id, member, bound_us, seen_us) VALUES ($1, $2, $3, $4, $5, $5)
                ON CONFLICT (tenant, server, session_id) DO NOTHING
                """, [tenant, server, sessionID, member, "\(now)"])
            if insert.affectedRows == 1 { return .owned }
            return try read(connection, server: server, sessionID: sessionID, member: member, now: now)
        }
    }

    public func end(server: String, sessionID: String, now: Int64) throws(StoreError) {
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.prepared(
                """
                UPDATE session_bindings SET ended_us = $1, seen_us = $1 WHERE tenant = $2 AND server = $3 AND session_id = $4 AND ended_us IS NULL
                """, ["\(now)", tenant, server, sessionID])
        }
    }

    @discardableResult
    public func purge(now: Int64) throws(StoreError) -> Int {
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.query(
                "DELETE FROM session_bindings WHERE tenant = $1 AND seen_us < $2",
                [tenant, "\(now - rules.idleTimeoutMicros - rules.tombstoneMicros)"]
            ).affectedRows
        }
    }

    public func count() throws(StoreError) -> Int {
        try database.pool.withConnection { connection throws(StoreError) in
            Int(try connection.query("SELECT count(*) FROM session_bindings").int64(0, 0) ?? 0)
        }
    }

    private func read(
        _ connection: PGConnection, server: String, sessionID: String, member: String,
        now: Int64
    ) throws(StoreError) -> SessionBinding.State {
        let result = try connection.prepared(
            "SELECT member, seen_us, ended_us FROM session_bindings WHERE tenant = $1 AND server = $2 AND session_id = $3",
            [tenant, server, sessionID])
        return state(of: result, connection, server: server, sessionID: sessionID, member: member, now: now)
    }

    /// The state for `member` from a result whose row 0 starts with member, seen_us, ended_us (no row,
    /// or a NULL member, is unbound); refreshes the last use when it is older than `refreshMicros`.
    private func state(
        of result: PGResult, _ connection: PGConnection, server: String, sessionID: String, member: String, now: Int64
    ) -> SessionBinding.State {
        guard result.rowCount == 1, let owner = result.text(0, 0) else { return .unbound }
        let seen = result.int64(0, 1) ?? 0
        let ended = !result.isNull(0, 2)
        // Byte-wise: member names are compared as stored, never by Unicode equivalence.
        guard owner.utf8.elementsEqual(member.utf8) else { return .boundToOther(member: owner) }
        if ended || now - seen > rules.idleTimeoutMicros { return .expired }
        if now - seen >= rules.refreshMicros {
            do {
                try connection.prepared(
                    """
                    UPDATE session_bindings SET seen_us = $1 WHERE tenant = $2 AND server = $3 AND session_id = $4 AND ended_us IS NULL AND seen_us < $1
                    """, ["\(now)", tenant, server, sessionID])
            } catch {
                logger.warning("cannot record session use", metadata: ["wicket.server": "\(server)", "wicket.error": "\(error)"])
            }
        }
        return .owned
    }

    public func close() {}
}
