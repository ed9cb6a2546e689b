import Crypto
import Foundation
import Logging

/// A tenant's member keys in its PostgreSQL database, answered from this node's memory.
///
/// Freshness protocol (revocation on any node is refused by every node within `staleAfter`):
/// - a listener thread holds its own connection, LISTENs on `wicket_keys` (a trigger notifies on
///   every change to a key) and drops the changed key from the cache as soon as the change commits;
/// - every `heartbeat` it also runs a round trip on that connection. PostgreSQL delivers pending
///   notifications before the answer to a query, so a heartbeat that *started* at time t proves
///   every change committed before t has been applied: `freshAsOf` = t;
/// - `authenticate` answers from memory only while `freshAsOf` is younger than `staleAfter`;
///   otherwise (channel lost, database gone) it reads the row through the pool, and if that fails
///   too it throws and the request is refused (503). A stale view is never served past the bound.
/// A read-through that races an invalidation does not re-insert the old row (`generation`).
/// Given the tenant's credential store, a read-through also reads the member's credential for the
/// request's server in the same statement (``KeyCredentialReading``).
public final class PGKeyStore: KeyCredentialReading, @unchecked Sendable {
    // @unchecked Sendable: `cache`, `generation` and `freshAsOf` are only touched under `lock`.
    public let tenant: String
    private let database: PGTenantDatabase
    private let credentials: PGCredentialStore?
    private let logger: Logger
    private let lock = NSLock()
    private var cache: [String: CachedKey] = [:]
    private var generation: UInt64 = 0
    private var freshAsOf: ContinuousClock.Instant?
    private var listener: PGKeyListener?
    /// How long memory is trusted without a heartbeat; the revocation bound is 1 s.
    static let staleAfter: Duration = .milliseconds(600)
    static let heartbeat: Duration = .milliseconds(200)

    struct CachedKey {
        let member: String
        let agent: String
        let secretSHA256: [UInt8]
        let revoked: Bool
        var lastUsedMicros: Int64?
    }

    public init(
        database: PGTenantDatabase, credentials: PGCredentialStore? = nil, logger: Logger = Logger(label: "wicket.store.keys")
    ) {
        tenant = database.tenant
        self.database = database
        self.credentials = credentials
        self.logger = logger
    }

    /// Starts the listener thread (the server does; the CLI reads and writes through).
    public func startListening() {
        let listener = PGKeyListener(
            settings: database.settings, tenant: tenant, logger: logger, heartbeat: Self.heartbeat,
            invalidate: { [weak self] keyID in self?.invalidate(keyID) },
            reset: { [weak self] in self?.invalidateAll() },
            fresh: { [weak self] instant in self?.markFresh(instant) })
        lock.lock()
        self.listener = listener
        lock.unlock()
        listener.start()
    }

    func invalidate(_ keyID: String) {
        lock.lock()
        cache[keyID] = nil
        generation &+= 1
        lock.unlock()
    }

    func invalidateAll() {
        lock.lock()
        cache.removeAll()
        generation &+= 1
        freshAsOf = nil
        lock.unlock()
    }

    func markFresh(_ instant: ContinuousClock.Instant) {
        lock.lock()
        if freshAsOf.map({ $0 < instant }) ?? true { freshAsOf = instant }
        lock.unlock()
    }

    public func lookup(_ key: PresentedKey) throws(StoreError) -> KeyLookup {
        try lookup(key, credentialServer: nil).found
    }

    public func lookup(
        _ key: PresentedKey, readingCredentialFor server: String
    ) throws(StoreError) -> (found: KeyLookup, credential: ReadCredential?) {
        try lookup(key, credentialServer: credentials == nil ? nil : server)
    }

    private func lookup(
        _ key: PresentedKey, credentialServer server: String?
    ) throws(StoreError) -> (found: KeyLookup, credential: ReadCredential?) {
        guard key.tenant == tenant else { return (.unknown, nil) }
        let now = ContinuousClock.now
        lock.lock()
        let fresh = freshAsOf.map { now - $0 < Self.staleAfter } ?? false
        let cached = fresh ? cache[key.keyID] : nil
        let seenGeneration = generation
        lock.unlock()
        var entry: CachedKey
        var credential: ReadCredential?
        if let cached {
            entry = cached
        } else {
            guard let read = try readKey(key.keyID, credentialServer: server) else { return (.unknown, nil) }
            entry = read.key
            credential = read.credential
            lock.lock()
            if generation == seenGeneration, fresh || freshAsOf.map({ now - $0 < Self.staleAfter }) ?? false {
                cache[key.keyID] = entry
            }
            lock.unlock()
        }
        let presentedHash = Array(SHA256.hash(data: key.secret))
        guard KeyStore.constantTimeEqual(presentedHash, entry.secretSHA256) else { return (.unknown, nil) }
        let identity = AuthenticatedKey(keyID: key.keyID, tenant: tenant, member: entry.member, agent: entry.agent)
        guard !entry.revoked else { return (.revoked(identity), nil) }
        touch(key.keyID, entry: &entry)
        return (.valid(identity), credential)
    }

    /// The key's row; with `server` (and a credential store), the member's sealed credential for it
    /// in the same statement (a `LEFT JOIN`: an absent credential is a NULL, not a missing row).
    private func readKey(
        _ keyID: String, credentialServer server: String?
    ) throws(StoreError) -> (key: CachedKey, credential: ReadCredential?)? {
        try database.pool.withConnection { connection throws(StoreError) -> (key: CachedKey, credential: ReadCredential?)? in
            guard let server, let credentials else {
                let result = try connection.prepared(
                    "SELECT member, agent, secret_sha256, revoked_us IS NOT NULL, last_used_us FROM member_keys WHERE key_id = $1", [keyID])
                return Self.key(in: result).map { ($0, nil) }
            }
            let result = try connection.prepared(
                """
                SELECT k.member, k.agent, k.secret_sha256, k.revoked_us IS NOT NULL, k.last_used_us, c.key_id, c.sealed
                FROM member_keys k LEFT JOIN credentials c ON c.member = k.member AND c.server = $2 WHERE k.key_id = $1
                """, [keyID, server])
            guard let key = Self.key(in: result) else { return nil }
            let row = result.text(0, 5).flatMap { sealedUnder in result.bytes(0, 6).map { (sealedUnder, $0) } }
            let member = key.member
            let credential = ReadCredential { () throws(StoreError) -> Secret? in
                guard let (sealedUnder, sealed) = row else { return nil }
                return try credentials.open(keyID: sealedUnder, sealed: sealed, member: member, server: server)
            }
            return (key, credential)
        }
    }

    /// The key of a result whose row 0 starts with member, agent, secret_sha256, revoked, last_used_us.
    private static func key(in result: PGResult) -> CachedKey? {
        guard result.rowCount == 1, let member = result.text(0, 0), let agent = result.text(0, 1), let hash = result.bytes(0, 2)
        else { return nil }
        return CachedKey(
            member: member, agent: agent, secretSHA256: hash, revoked: result.text(0, 3) == "t", lastUsedMicros: result.int64(0, 4))
    }

    /// `last used` at most once a minute per key and node; best effort, never a denial.
    private func touch(_ keyID: String, entry: inout CachedKey) {
        let now = StoreFiles.nowMicros()
        if let last = entry.lastUsedMicros, now - last < KeyStore.lastUsedIntervalMicros { return }
        lock.lock()
        if cache[keyID] != nil { cache[keyID]?.lastUsedMicros = now }
        lock.unlock()
        do {
            try database.pool.withConnection { connection throws(StoreError) in
                try connection.prepared(
                    "UPDATE member_keys SET last_used_us = $1 WHERE key_id = $2 AND (last_used_us IS NULL OR last_used_us < $1)",
                    ["\(now)", keyID])
            }
        } catch {
            logger.warning("cannot record key use", metadata: ["wicket.key.id": "\(keyID)", "wicket.error": "\(error)"])
        }
    }

    public func issue(member: String, agent: String) throws(StoreError) -> IssuedKey {
        try Names.validateName(member, "member")
        try Names.validateName(agent, "agent")
        return try database.pool.withConnection { connection throws(StoreError) in try insertKey(connection, member: member, agent: agent) }
    }

    private func insertKey(_ connection: PGConnection, member: String, agent: String) throws(StoreError) -> IssuedKey {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let keyID = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            .map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        let key = PresentedKey(tenant: tenant, keyID: keyID, secret: secret)
        try connection.query(
            "INSERT INTO member_keys (key_id, member, agent, secret_sha256, created_us) VALUES ($1, $2, $3, $4, $5)",
            [keyID, member, agent, PGBytes.encode(Array(SHA256.hash(data: secret))), "\(StoreFiles.nowMicros())"])
        return IssuedKey(keyID: keyID, key: key.keyString)
    }

    public func list() throws(StoreError) -> [KeyInfo] {
        try database.pool.withConnection { connection throws(StoreError) in
            let result = try connection.query(
                "SELECT key_id, member, agent, created_us, last_used_us, revoked_us FROM member_keys ORDER BY created_us DESC, key_id")
            return (0..<result.rowCount).map { row in
                KeyInfo(
                    keyID: result.text(row, 0) ?? "", member: result.text(row, 1) ?? "", agent: result.text(row, 2) ?? "",
                    created: StoreFiles.date(micros: result.int64(row, 3) ?? 0),
                    lastUsed: result.int64(row, 4).map(StoreFiles.date(micros:)),
                    revoked: result.int64(row, 5).map(StoreFiles.date(micros:)))
            }
        }
    }

    @discardableResult
    public func revoke(keyID: String) throws(StoreError) -> Bool {
        defer { invalidate(keyID) }
        return try database.pool.withConnection { connection throws(StoreError) in try revoke(connection, keyID: keyID) }
    }

    private func revoke(_ connection: PGConnection, keyID: String) throws(StoreError) -> Bool {
        let update = try connection.query(
            "UPDATE member_keys SET revoked_us = $1 WHERE key_id = $2 AND revoked_us IS NULL",
            ["\(StoreFiles.nowMicros())", keyID])
        if update.affectedRows == 1 { return true }
        guard try connection.query("SELECT 1 FROM member_keys WHERE key_id = $1", [keyID]).rowCount == 1 else {
            throw StoreError(.unknownKey, "no key with id `\(Names.printable(keyID))` in tenant `\(tenant)`")
        }
        return false
    }

    @discardableResult
    public func revokeAll(member: String) throws(StoreError) -> Int {
        let count = try database.pool.withConnection { connection throws(StoreError) in
            try connection.query(
                "UPDATE member_keys SET revoked_us = $1 WHERE member = $2 AND revoked_us IS NULL",
                ["\(StoreFiles.nowMicros())", member]
            ).affectedRows
        }
        invalidateAll()
        return count
    }

    public func rotate(keyID: String) throws(StoreError) -> IssuedKey {
        defer { invalidate(keyID) }
        return try database.pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let select = try connection.query("SELECT member, agent, revoked_us FROM member_keys WHERE key_id = $1 FOR UPDATE", [keyID])
                guard select.rowCount == 1, let member = select.text(0, 0), let agent = select.text(0, 1) else {
                    throw StoreError(.unknownKey, "no key with id `\(Names.printable(keyID))` in tenant `\(tenant)`")
                }
                guard select.isNull(0, 2) else {
                    throw StoreError(.keyRevoked, "key `\(Names.printable(keyID))` is revoked; issue a new key instead")
                }
                let issued = try insertKey(connection, member: member, agent: agent)
                _ = try revoke(connection, keyID: keyID)
                return issued
            }
        }
    }

    public func close() {
        lock.lock()
        let listener = self.listener
        self.listener = nil
        lock.unlock()
        listener?.stop()
    }
}
