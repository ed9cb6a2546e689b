import Foundation

/// A tenant's sealed credentials in its PostgreSQL database; the master keys stay files of each
/// node (`ring`, mode 0600, distributed by ops like TLS keys).
///
/// Rotation across nodes is two steps, so a new key is accepted everywhere before it is used:
/// `wicket creds add-master-key` writes a new key file without using it; ops copy it to every
/// node's `master-keys` folder; each node reports the key ids it holds (`node_master_keys`, from the
/// server's heartbeat); `wicket creds rotate-master-key --to ID` refuses while a node seen in the
/// last minute lacks the key, then re-seals every row in one transaction and switches the current id.
public final class PGCredentialStore: SealedCredentialStore, @unchecked Sendable {
    // @unchecked Sendable: immutable after init; the pool and ring are thread-safe.
    public let tenant: String
    public let ring: MasterKeyRing
    private let database: PGTenantDatabase
    private var sealing: CredentialSealing { CredentialSealing(tenant: tenant) }

    public init(database: PGTenantDatabase, ring: MasterKeyRing) {
        tenant = database.tenant
        self.database = database
        self.ring = ring
    }

    public func set(member: String, server: String, secret: [UInt8]) throws(StoreError) {
        try Names.validateName(member, "member")
        try Names.validateName(server, "server")
        guard !secret.isEmpty else { throw StoreError(.invalidSecret, "the secret is empty; nothing was stored") }
        guard secret.count <= CredentialStore.maxSecretLength else {
            throw StoreError(
                .invalidSecret,
                "the secret is \(secret.count) bytes, over the \(CredentialStore.maxSecretLength)-byte limit; nothing was stored")
        }
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in
                let key = try currentKey(connection)
                let sealed = try sealing.seal(secret, member: member, server: server, key: key)
                try connection.query(
                    """
                    INSERT INTO credentials (member, server, key_id, sealed, updated_us) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (member, server) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, updated_us = excluded.updated_us
                    """, [member, server, key.id, PGBytes.encode(sealed), "\(StoreFiles.nowMicros())"])
            }
        }
    }

    public func reveal(member: String, server: String) throws(StoreError) -> Secret? {
        let row = try database.pool.withConnection { connection throws(StoreError) -> (String, [UInt8])? in
            let result = try connection.prepared(
                "SELECT key_id, sealed FROM credentials WHERE member = $1 AND server = $2", [member, server])
            guard result.rowCount == 1, let keyID = result.text(0, 0), let sealed = result.bytes(0, 1) else { return nil }
            return (keyID, sealed)
        }
        guard let (keyID, sealed) = row else { return nil }
        return try open(keyID: keyID, sealed: sealed, member: member, server: server)
    }

    /// Opens a sealed row read by this store or in the session check's statement (PGSessionStore).
    func open(keyID: String, sealed: [UInt8], member: String, server: String) throws(StoreError) -> Secret {
        guard let key = try ring.key(id: keyID) else {
            throw StoreError(
                .sealedCredential,
                "the credential of `\(Names.printable(member))` for `\(Names.printable(server))` is sealed under master key \(keyID), which is not in `\(ring.directory)`; copy it there from another node"
            )
        }
        return try sealing.open(sealed, member: member, server: server, key: key)
    }

    public func list() throws(StoreError) -> [CredentialInfo] {
        try database.pool.withConnection { connection throws(StoreError) in
            let result = try connection.query("SELECT member, server, updated_us, key_id FROM credentials ORDER BY member, server")
            return (0..<result.rowCount).map { row in
                CredentialInfo(
                    member: result.text(row, 0) ?? "", server: result.text(row, 1) ?? "",
                    updated: StoreFiles.date(micros: result.int64(row, 2) ?? 0), masterKeyID: result.text(row, 3) ?? "")
            }
        }
    }

    @discardableResult
    public func remove(member: String, server: String) throws(StoreError) -> Bool {
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.query("DELETE FROM credentials WHERE member = $1 AND server = $2", [member, server]).affectedRows > 0
        }
    }

    /// On a shared store a key made here would be unknown to the other nodes: refuse, and say how.
    @discardableResult
    public func rotateMasterKey() throws(StoreError) -> MasterKey {
        throw StoreError(
            .masterKey,
            "on postgresql every node must hold the new key before it is used: run `wicket creds add-master-key`, copy the file to every node's master-keys folder, then `wicket creds rotate-master-key --to ID`"
        )
    }

    /// Re-seals every row under the ring's key `id` and makes it current, once every node seen in
    /// the last minute reports holding it.
    @discardableResult
    public func rotateMasterKey(to id: String) throws(StoreError) -> MasterKey {
        guard let newKey = try ring.key(id: id) else {
            throw StoreError(.masterKey, "master key \(Names.printable(id)) is not in `\(ring.directory)`")
        }
        try database.pool.withConnection { connection throws(StoreError) in
            let missing = try connection.query(
                """
                SELECT node FROM node_master_keys WHERE seen_us > $1 AND NOT ($2 = ANY (string_to_array(key_ids, ','))) ORDER BY node
                """, ["\(StoreFiles.nowMicros() - 60_000_000)", id])
            guard missing.rowCount == 0 else {
                let nodes = (0..<missing.rowCount).compactMap { missing.text($0, 0) }.joined(separator: ", ")
                throw StoreError(
                    .masterKey, "master key \(id) is not yet on node(s) \(nodes); copy it to their master-keys folder and retry")
            }
            try connection.transaction { () throws(StoreError) in
                let rows = try connection.query("SELECT member, server, key_id, sealed FROM credentials FOR UPDATE")
                for row in 0..<rows.rowCount {
                    guard let member = rows.text(row, 0), let server = rows.text(row, 1), let keyID = rows.text(row, 2),
                        let sealed = rows.bytes(row, 3)
                    else { continue }
                    guard let oldKey = try ring.key(id: keyID) else {
                        throw StoreError(
                            .sealedCredential,
                            "cannot rotate: a credential is sealed under master key \(keyID), which is not in `\(ring.directory)`")
                    }
                    let secret = try sealing.open(sealed, member: member, server: server, key: oldKey)
                    let resealed = try secret.withUnsafeBytes { bytes throws(StoreError) in
                        try sealing.seal(bytes, member: member, server: server, key: newKey)
                    }
                    try connection.query(
                        "UPDATE credentials SET key_id = $1, sealed = $2 WHERE member = $3 AND server = $4",
                        [newKey.id, PGBytes.encode(resealed), member, server])
                }
                try setCurrentKeyID(connection, newKey.id)
            }
        }
        return newKey
    }

    /// Records which master keys this node holds (the server calls it from its heartbeat).
    public func reportHeldKeys(node: String) throws(StoreError) {
        try? ring.reload()
        try database.pool.withConnection { connection throws(StoreError) in
            try connection.query(
                """
                INSERT INTO node_master_keys (node, key_ids, seen_us) VALUES ($1, $2, $3)
                ON CONFLICT (node) DO UPDATE SET key_ids = excluded.key_ids, seen_us = excluded.seen_us
                """, [node, ring.ids.joined(separator: ","), "\(StoreFiles.nowMicros())"])
        }
    }

    public func currentMasterKeyID() throws(StoreError) -> String? {
        try database.pool.withConnection { connection throws(StoreError) in try storedCurrentKeyID(connection) }
    }

    private func storedCurrentKeyID(_ connection: PGConnection) throws(StoreError) -> String? {
        try connection.query("SELECT value FROM meta WHERE name = 'current_key_id'").text(0, 0)
    }

    func setCurrentKeyID(_ connection: PGConnection, _ id: String) throws(StoreError) {
        try connection.query(
            "INSERT INTO meta (name, value) VALUES ('current_key_id', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [id])
    }

    private func currentKey(_ connection: PGConnection) throws(StoreError) -> MasterKey {
        if let id = try storedCurrentKeyID(connection) {
            guard let key = try ring.key(id: id) else {
                throw StoreError(.masterKey, "the current master key \(id) is not in `\(ring.directory)`; copy it there from another node")
            }
            return key
        }
        guard let key = ring.single() else {
            throw StoreError(
                .masterKey, "\(ring.ids.count) master keys in `\(ring.directory)` and none recorded as current; keep exactly one")
        }
        try setCurrentKeyID(connection, key.id)
        return key
    }

    public func close() {}
}
