import Crypto
import Foundation

/// A tenant's upstream credentials (`credentials.sqlite`), sealed with ChaCha20-Poly1305.
///
/// Each row is sealed under a master key from the ring, with associated data binding it to
/// tenant, member and server: a row copied to another tenant, member or server fails to open.
/// The current master key id lives in the database (`meta`), so a rotation that re-seals every row
/// and switches the current id commits atomically; readers in WAL mode keep seeing the old
/// snapshot until then, and a reader that meets an unknown key id re-reads the ring's directory.
///
/// `reveal` answers from memory while nothing has committed to `credentials.sqlite` (`ReadCache`):
/// the opened secret (zeroed when dropped; memory only, never disk or logs) or the fact that none is
/// stored. `creds set`, `creds remove` and a master key rotation, by any process, are commits, so
/// the next request reads and opens the row again. A row that fails to open is never kept.
public final class CredentialStore: Sendable {
    public let tenant: String
    public let ring: MasterKeyRing
    private let pool: ConnectionPool
    private let cache: ReadCache<Secret?>
    /// Credentials kept in memory at most; past it the cache starts over.
    static let cachedCredentials = 100_000

    /// The largest secret accepted (bytes).
    public static let maxSecretLength = 16 * 1024

    static let migrations = Migrations(steps: [
        """
        CREATE TABLE credentials (
            member     TEXT NOT NULL,
            server     TEXT NOT NULL,
            key_id     TEXT NOT NULL,
            sealed     BLOB NOT NULL,
            updated_us INTEGER NOT NULL,
            PRIMARY KEY (member, server)
        ) WITHOUT ROWID;
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """
    ])

    /// Opens (creating if needed) `<directory>/credentials.sqlite` for `tenant`, sealing with keys of `ring`.
    public init(directory: String, tenant: String, ring: MasterKeyRing) throws(StoreError) {
        try Names.validateTenant(tenant)
        try StoreFiles.ensureDirectory(directory)
        let path = StoreFiles.join(directory, "credentials.sqlite")
        try StoreFiles.ensurePrivateFile(path)
        self.tenant = tenant
        self.ring = ring
        pool = ConnectionPool(maxIdle: 32) { () throws(StoreError) in
            let connection = try SQLiteConnection.openStore(path: path, synchronous: "FULL")
            // Overwritten and deleted sealed blobs are zeroed in the file, not left in free pages.
            try connection.execute("PRAGMA secure_delete = ON")
            return connection
        }
        try pool.withConnection { connection throws(StoreError) in try Self.migrations.apply(to: connection) }
        cache = try ReadCache(path: path, maxEntries: Self.cachedCredentials)
    }

    /// Associated data binding a row to tenant, member and server (see `CredentialSealing`).
    func associatedData(member: String, server: String) -> [UInt8] {
        CredentialSealing(tenant: tenant).associatedData(member: member, server: server)
    }

    /// Stores (or replaces) `member`'s secret for `server`. Empty or over 16 KiB: error, nothing written.
    public func set(member: String, server: String, secret: [UInt8]) throws(StoreError) {
        try Names.validateName(member, "member")
        try Names.validateName(server, "server")
        guard !secret.isEmpty else { throw StoreError(.invalidSecret, "the secret is empty; nothing was stored") }
        guard secret.count <= Self.maxSecretLength else {
            throw StoreError(
                .invalidSecret, "the secret is \(secret.count) bytes, over the \(Self.maxSecretLength)-byte limit; nothing was stored")
        }
        try pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let key = try currentKey(connection)
                let sealed = try seal(secret, member: member, server: server, key: key)
                let upsert = try connection.statement(
                    """
                    INSERT INTO credentials (member, server, key_id, sealed, updated_us) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (member, server) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, updated_us = excluded.updated_us
                    """)
                try upsert.bind(.text(member), .text(server), .text(key.id), .blob(sealed), .integer(StoreFiles.nowMicros()))
                try upsert.run()
            }
        }
    }

    /// `member`'s secret for `server`, decrypted in memory, or nil when none is stored.
    /// Throws `sealedCredential` when the row does not open (tampered, copied, or unknown key).
    public func reveal(member: String, server: String) throws(StoreError) -> Secret? {
        let cacheKey = ExactKey(member, server)
        switch try cache.find(cacheKey) {
        case .hit(let kept):
            return kept
        case .miss(let ticket):
            let secret = try read(member: member, server: server)
            cache.keep(secret, for: cacheKey, ticket: ticket)
            return secret
        }
    }

    private func read(member: String, server: String) throws(StoreError) -> Secret? {
        let row = try pool.withConnection { connection throws(StoreError) -> (String, [UInt8])? in
            let select = try connection.statement("SELECT key_id, sealed FROM credentials WHERE member = ? AND server = ?")
            try select.bind(.text(member), .text(server))
            defer { select.reset() }
            guard try select.step(), let keyID = select.text(0), let sealed = select.blob(1) else { return nil }
            return (keyID, sealed)
        }
        guard let (keyID, sealed) = row else { return nil }
        guard let key = try ring.key(id: keyID) else {
            throw StoreError(
                .sealedCredential,
                "the credential of `\(Names.printable(member))` for `\(Names.printable(server))` is sealed under master key \(keyID), which is not in `\(ring.directory)`"
            )
        }
        return try open(sealed, member: member, server: server, key: key)
    }

    /// Every stored credential's member, server and update time, never the secret.
    public func list() throws(StoreError) -> [CredentialInfo] {
        try pool.withConnection { connection throws(StoreError) in
            let select = try connection.statement("SELECT member, server, updated_us, key_id FROM credentials ORDER BY member, server")
            defer { select.reset() }
            var rows: [CredentialInfo] = []
            while try select.step() {
                rows.append(
                    CredentialInfo(
                        member: select.text(0) ?? "", server: select.text(1) ?? "",
                        updated: StoreFiles.date(micros: select.int64(2)), masterKeyID: select.text(3) ?? ""))
            }
            return rows
        }
    }

    /// Removes `member`'s credential for `server`; returns false when there was none.
    @discardableResult
    public func remove(member: String, server: String) throws(StoreError) -> Bool {
        try pool.withConnection { connection throws(StoreError) in
            let delete = try connection.statement("DELETE FROM credentials WHERE member = ? AND server = ?")
            try delete.bind(.text(member), .text(server))
            try delete.run()
            return connection.changes > 0
        }
    }

    /// Generates a new master key in the ring and re-seals every row under it in one transaction,
    /// making it the current key. Readers keep working throughout. Returns the new key.
    @discardableResult
    public func rotateMasterKey() throws(StoreError) -> MasterKey {
        let newKey = try ring.generate()
        try pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let select = try connection.statement("SELECT member, server, key_id, sealed FROM credentials")
                var rows: [(String, String, String, [UInt8])] = []
                while try select.step() {
                    guard let member = select.text(0), let server = select.text(1), let keyID = select.text(2),
                        let sealed = select.blob(3)
                    else { continue }
                    rows.append((member, server, keyID, sealed))
                }
                select.reset()
                let update = try connection.statement("UPDATE credentials SET key_id = ?, sealed = ? WHERE member = ? AND server = ?")
                for (member, server, keyID, sealed) in rows {
                    guard let oldKey = try ring.key(id: keyID) else {
                        throw StoreError(
                            .sealedCredential,
                            "cannot rotate: a credential is sealed under master key \(keyID), which is not in `\(ring.directory)`")
                    }
                    let secret = try open(sealed, member: member, server: server, key: oldKey)
                    let resealed = try secret.withUnsafeBytes { bytes throws(StoreError) in
                        try seal(bytes, member: member, server: server, key: newKey)
                    }
                    try update.bind(.text(newKey.id), .blob(resealed), .text(member), .text(server))
                    try update.run()
                }
                try setCurrentKeyID(connection, newKey.id)
            }
        }
        return newKey
    }

    /// The id of the key new rows are sealed under, if one has been chosen.
    public func currentMasterKeyID() throws(StoreError) -> String? {
        try pool.withConnection { connection throws(StoreError) in try storedCurrentKeyID(connection) }
    }

    private func storedCurrentKeyID(_ connection: SQLiteConnection) throws(StoreError) -> String? {
        let select = try connection.statement("SELECT value FROM meta WHERE name = 'current_key_id'")
        defer { select.reset() }
        return try select.step() ? select.text(0) : nil
    }

    private func setCurrentKeyID(_ connection: SQLiteConnection, _ id: String) throws(StoreError) {
        let upsert = try connection.statement(
            "INSERT INTO meta (name, value) VALUES ('current_key_id', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        try upsert.bind(.text(id))
        try upsert.run()
    }

    /// The current key: the one recorded in the database, else the ring's only key (then recorded).
    private func currentKey(_ connection: SQLiteConnection) throws(StoreError) -> MasterKey {
        if let id = try storedCurrentKeyID(connection) {
            guard let key = try ring.key(id: id) else {
                throw StoreError(.masterKey, "the current master key \(id) is not in `\(ring.directory)`")
            }
            return key
        }
        guard let key = ring.single() else {
            let count = ring.ids.count
            throw StoreError(
                .masterKey,
                count == 0
                    ? "no master key in `\(ring.directory)`; run `wicket init` first"
                    : "\(count) master keys in `\(ring.directory)` and none recorded as current; remove the unused ones")
        }
        try setCurrentKeyID(connection, key.id)
        return key
    }

    private func seal<Bytes: DataProtocol>(_ plaintext: Bytes, member: String, server: String, key: MasterKey) throws(StoreError) -> [UInt8]
    {
        try CredentialSealing(tenant: tenant).seal(plaintext, member: member, server: server, key: key)
    }

    private func open(_ sealed: [UInt8], member: String, server: String, key: MasterKey) throws(StoreError) -> Secret {
        try CredentialSealing(tenant: tenant).open(sealed, member: member, server: server, key: key)
    }

    /// Closes idle connections; later calls throw `closed`.
    public func close() {
        cache.removeAll()
        pool.close()
    }
}
