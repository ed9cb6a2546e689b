import Crypto
import Foundation
import Logging

/// A tenant's member keys (`keys.sqlite` in the tenant directory).
///
/// Only SHA-256 of each key's secret is stored. The secret is 32 uniformly random bytes (256 bits),
/// so a stolen hash cannot be brute-forced and a slow password KDF (argon2, scrypt) would add
/// milliseconds per request for no gain: those protect low-entropy, human-chosen passwords.
///
/// `lookup` answers from memory (`ReadCache`: each key's row, kept only while nothing has committed
/// to `keys.sqlite`) and reads the row on a pooled connection otherwise, so `revoke` by any process
/// takes effect on the very next request of a running server without reloading anything. Unknown
/// key ids are never kept: a key issued later is found on its first use.
public final class KeyStore: Sendable {
    /// The tenant this store belongs to; keys naming another tenant never authenticate here.
    public let tenant: String
    private let pool: ConnectionPool
    private let cache: ReadCache<KeyRow>
    private let uses: UseRecorder
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    /// `last used` is written at most this often per key, so authentication stays read-mostly.
    static let lastUsedIntervalMicros: Int64 = 60_000_000
    /// Rows kept in memory at most (each a few hundred bytes); past it the cache starts over.
    static let cachedKeys = 100_000

    /// A key's row as `lookup` needs it.
    struct KeyRow {
        let member: String
        let agent: String
        let secretSHA256: [UInt8]
        let revoked: Bool
        let lastUsed: Int64?
        /// A secret found to hash to `secretSHA256` (VerifiedSecret.swift); nil until one did.
        var verified: VerifiedSecret? = nil
    }

    static let migrations = Migrations(steps: [
        """
        CREATE TABLE member_keys (
            key_id        TEXT PRIMARY KEY,
            member        TEXT NOT NULL,
            agent         TEXT NOT NULL,
            secret_sha256 BLOB NOT NULL CHECK (length(secret_sha256) = 32),
            created_us    INTEGER NOT NULL,
            last_used_us  INTEGER,
            revoked_us    INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX member_keys_member ON member_keys(member);
        """
    ])

    /// Opens (creating if needed) `<directory>/keys.sqlite` for `tenant`.
    public convenience init(directory: String, tenant: String, logger: Logger = Logger(label: "wicket.store.keys")) throws(StoreError) {
        try self.init(directory: directory, tenant: tenant, logger: logger, clock: StoreFiles.nowMicros)
    }

    init(directory: String, tenant: String, logger: Logger, clock: @escaping @Sendable () -> Int64) throws(StoreError) {
        try Names.validateTenant(tenant)
        try StoreFiles.ensureDirectory(directory)
        let path = StoreFiles.join(directory, "keys.sqlite")
        try StoreFiles.ensurePrivateFile(path)
        self.tenant = tenant
        self.logger = logger
        self.clock = clock
        pool = ConnectionPool(maxIdle: 32) { () throws(StoreError) in
            try SQLiteConnection.openStore(path: path, synchronous: "FULL", busyTimeoutMilliseconds: 2000)
        }
        try pool.withConnection { connection throws(StoreError) in try Self.migrations.apply(to: connection) }
        cache = try ReadCache(path: path, maxEntries: Self.cachedKeys)
        uses = UseRecorder(label: "wicket.store.keys.last-used")
    }

    /// Issues a new key for `member` using `agent`. The returned key string is shown once.
    public func issue(member: String, agent: String) throws(StoreError) -> IssuedKey {
        try Names.validateName(member, "member")
        try Names.validateName(agent, "agent")
        return try pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in try insertKey(connection, member: member, agent: agent) }
        }
    }

    private func insertKey(_ connection: SQLiteConnection, member: String, agent: String) throws(StoreError) -> IssuedKey {
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let idBytes = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let keyID = idBytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        let key = PresentedKey(tenant: tenant, keyID: keyID, secret: secret)
        let insert = try connection.statement(
            "INSERT INTO member_keys (key_id, member, agent, secret_sha256, created_us) VALUES (?, ?, ?, ?, ?)")
        try insert.bind(.text(keyID), .text(member), .text(agent), .blob(Array(SHA256.hash(data: secret))), .integer(clock()))
        try insert.run()
        return IssuedKey(keyID: keyID, key: key.keyString)
    }

    /// The identity behind `presented`, or nil when it is malformed, unknown, revoked, or of another
    /// tenant. Throws only when the database cannot be read (the caller should deny with 503).
    public func authenticate(_ presented: String) throws(StoreError) -> AuthenticatedKey? {
        guard let key = try? PresentedKey.parse(presented) else { return nil }
        return try authenticate(key)
    }

    /// The identity behind an already parsed key; see `authenticate(_:)`.
    public func authenticate(_ key: PresentedKey) throws(StoreError) -> AuthenticatedKey? {
        if case .valid(let identity) = try lookup(key) { return identity }
        return nil
    }

    /// What `key` is: valid, revoked (naming whose it was, for the audit record, without accepting
    /// it), or unknown (no such id, wrong secret, another tenant). Only a key whose secret matches is
    /// ever named. Throws only when the database cannot be read.
    public func lookup(_ key: PresentedKey) throws(StoreError) -> KeyLookup {
        guard key.tenant == tenant else { return .unknown }
        let cacheKey = ExactKey(key.keyID)
        let row: KeyRow
        switch try cache.find(cacheKey) {
        case .hit(let kept):
            row = kept
            // The very secret that matched this row's hash before matches it again; any other is hashed.
            if row.verified?.isSecret(key.secret) != true {
                guard let verified = VerifiedSecret.verify(key.secret, against: row.secretSHA256) else { return .unknown }
                cache.update(cacheKey) { kept in
                    // Only beside the hash it was verified against (the row may have been read again since).
                    if kept.secretSHA256 == row.secretSHA256 { kept.verified = verified }
                }
            }
        case .miss(let ticket):
            guard var read = try readRow(keyID: key.keyID) else { return .unknown }
            // Hash, compare in constant time, then look at revocation; the row is kept either way.
            read.verified = VerifiedSecret.verify(key.secret, against: read.secretSHA256)
            cache.keep(read, for: cacheKey, ticket: ticket)
            guard read.verified != nil else { return .unknown }
            row = read
        }
        let identity = AuthenticatedKey(keyID: key.keyID, tenant: tenant, member: row.member, agent: row.agent)
        guard !row.revoked else { return .revoked(identity) }
        touch(cacheKey, keyID: key.keyID, lastUsed: row.lastUsed)
        return .valid(identity)
    }

    private func readRow(keyID: String) throws(StoreError) -> KeyRow? {
        try pool.withConnection { connection throws(StoreError) -> KeyRow? in
            let select = try connection.statement(
                "SELECT member, agent, secret_sha256, revoked_us, last_used_us FROM member_keys WHERE key_id = ?")
            try select.bind(.text(keyID))
            defer { select.reset() }
            guard try select.step(),
                let member = select.text(0), let agent = select.text(1), let stored = select.blob(2)
            else { return nil }
            return KeyRow(
                member: member, agent: agent, secretSHA256: stored, revoked: !select.isNull(3),
                lastUsed: select.optionalInt64(4))
        }
    }

    /// Updates `last used` when the stored value is over a minute old, in the background (see
    /// `UseRecorder`). Best effort: a busy database must not turn a valid key into a denial.
    private func touch(_ row: ExactKey, keyID: String, lastUsed: Int64?) {
        let now = clock()
        if let lastUsed, now - lastUsed < Self.lastUsedIntervalMicros { return }
        uses.record(row, at: now) { [pool, logger] in
            do {
                try pool.withConnection { connection throws(StoreError) in
                    let update = try connection.statement(
                        "UPDATE member_keys SET last_used_us = ? WHERE key_id = ? AND (last_used_us IS NULL OR last_used_us <= ?)")
                    try update.bind(.integer(now), .text(keyID), .integer(now - Self.lastUsedIntervalMicros))
                    try update.run()
                }
            } catch {
                logger.warning("cannot record key use", metadata: ["wicket.key.id": "\(keyID)", "wicket.error": "\(error)"])
            }
        }
    }

    /// Whether `key`'s secret is remembered as verified beside its row in memory (tests; a commit
    /// since forgets it).
    func isVerifiedInMemory(_ key: PresentedKey) throws(StoreError) -> Bool {
        guard key.tenant == tenant, case .hit(let row) = try cache.find(ExactKey(key.keyID)) else { return false }
        return row.verified?.isSecret(key.secret) == true
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// Every key of the tenant, newest first: ids and dates, never a secret or a hash.
    public func list() throws(StoreError) -> [KeyInfo] {
        uses.flush()  // this process's pending `last used` writes first
        return try pool.withConnection { connection throws(StoreError) in
            let select = try connection.statement(
                "SELECT key_id, member, agent, created_us, last_used_us, revoked_us FROM member_keys ORDER BY created_us DESC, key_id")
            defer { select.reset() }
            var keys: [KeyInfo] = []
            while try select.step() {
                keys.append(
                    KeyInfo(
                        keyID: select.text(0) ?? "", member: select.text(1) ?? "", agent: select.text(2) ?? "",
                        created: StoreFiles.date(micros: select.int64(3)),
                        lastUsed: select.optionalInt64(4).map(StoreFiles.date(micros:)),
                        revoked: select.optionalInt64(5).map(StoreFiles.date(micros:))))
            }
            return keys
        }
    }

    /// Revokes one key. Returns false when it was already revoked; throws `unknownKey` when no such key.
    @discardableResult
    public func revoke(keyID: String) throws(StoreError) -> Bool {
        try pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in try revoke(connection, keyID: keyID) }
        }
    }

    private func revoke(_ connection: SQLiteConnection, keyID: String) throws(StoreError) -> Bool {
        let update = try connection.statement("UPDATE member_keys SET revoked_us = ? WHERE key_id = ? AND revoked_us IS NULL")
        try update.bind(.integer(clock()), .text(keyID))
        try update.run()
        if connection.changes == 1 { return true }
        let exists = try connection.statement("SELECT 1 FROM member_keys WHERE key_id = ?")
        try exists.bind(.text(keyID))
        defer { exists.reset() }
        guard try exists.step() else {
            throw StoreError(.unknownKey, "no key with id `\(Names.printable(keyID))` in tenant `\(tenant)`")
        }
        return false
    }

    /// Revokes every unrevoked key of `member`; returns how many were revoked.
    @discardableResult
    public func revokeAll(member: String) throws(StoreError) -> Int {
        try pool.withConnection { connection throws(StoreError) in
            let update = try connection.statement("UPDATE member_keys SET revoked_us = ? WHERE member = ? AND revoked_us IS NULL")
            try update.bind(.integer(clock()), .text(member))
            try update.run()
            return connection.changes
        }
    }

    /// Issues a new key for the same member and agent and revokes the old one, atomically.
    /// Rotating a revoked key is refused (`keyRevoked`); an unknown id is `unknownKey`.
    public func rotate(keyID: String) throws(StoreError) -> IssuedKey {
        try pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let select = try connection.statement("SELECT member, agent, revoked_us FROM member_keys WHERE key_id = ?")
                try select.bind(.text(keyID))
                defer { select.reset() }
                guard try select.step(), let member = select.text(0), let agent = select.text(1) else {
                    throw StoreError(.unknownKey, "no key with id `\(Names.printable(keyID))` in tenant `\(tenant)`")
                }
                guard select.isNull(2) else {
                    throw StoreError(.keyRevoked, "key `\(Names.printable(keyID))` is revoked; issue a new key instead")
                }
                select.reset()
                let issued = try insertKey(connection, member: member, agent: agent)
                _ = try revoke(connection, keyID: keyID)
                return issued
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
