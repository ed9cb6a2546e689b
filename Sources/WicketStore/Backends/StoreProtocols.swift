import Foundation

/// What a tenant's member-key store does, whichever engine holds it (one SQLite file on this node,
/// or the tenant's PostgreSQL database shared by every node). The pipeline and the CLI see only this.
public protocol MemberKeyStore: Sendable {
    /// The tenant this store belongs to; keys naming another tenant never authenticate here.
    var tenant: String { get }
    /// Issues a new key; the returned key string is shown once.
    func issue(member: String, agent: String) throws(StoreError) -> IssuedKey
    /// What `key` is: valid, revoked (naming whose it was, for the audit record), or unknown.
    /// Throws only when the store cannot answer (the caller denies with 503).
    func lookup(_ key: PresentedKey) throws(StoreError) -> KeyLookup
    /// Every key of the tenant, newest first: ids and dates, never a secret or a hash.
    func list() throws(StoreError) -> [KeyInfo]
    /// Revokes one key. Returns false when it was already revoked; throws `unknownKey` when no such key.
    @discardableResult func revoke(keyID: String) throws(StoreError) -> Bool
    /// Revokes every unrevoked key of `member`; returns how many were revoked.
    @discardableResult func revokeAll(member: String) throws(StoreError) -> Int
    /// Issues a new key for the same member and agent and revokes the old one, atomically.
    func rotate(keyID: String) throws(StoreError) -> IssuedKey
    func close()
}

extension MemberKeyStore {
    /// The identity behind an already parsed key, or nil when unknown, revoked or of another tenant.
    public func authenticate(_ key: PresentedKey) throws(StoreError) -> AuthenticatedKey? {
        if case .valid(let identity) = try lookup(key) { return identity }
        return nil
    }

    /// The identity behind a key string; nil when it is malformed (see `authenticate(_:)`).
    public func authenticate(_ presented: String) throws(StoreError) -> AuthenticatedKey? {
        guard let key = try? PresentedKey.parse(presented) else { return nil }
        return try authenticate(key)
    }
}

/// What a tenant's sealed-credential store does, whichever engine holds the sealed blobs. The
/// master keys always stay files of this node (`ring`).
public protocol SealedCredentialStore: Sendable {
    var tenant: String { get }
    var ring: MasterKeyRing { get }
    func set(member: String, server: String, secret: [UInt8]) throws(StoreError)
    func reveal(member: String, server: String) throws(StoreError) -> Secret?
    func list() throws(StoreError) -> [CredentialInfo]
    @discardableResult func remove(member: String, server: String) throws(StoreError) -> Bool
    /// Re-seals every row under a new current master key and returns it.
    @discardableResult func rotateMasterKey() throws(StoreError) -> MasterKey
    func currentMasterKeyID() throws(StoreError) -> String?
    func close()
}

/// What a tenant's audit trail does: commit before the answer, read back, prune.
public protocol AuditLog: Sendable {
    var tenant: String { get }
    /// Commits `records` in one transaction — all or none — and returns their ids once durable.
    @discardableResult func append(contentsOf records: [AuditRecord]) throws(StoreError) -> [Int64]
    /// Commits `records` the same way and calls `completion` after the commit returned (AuditCompletion.swift).
    func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion)
    /// Records matching `query`, newest first.
    func query(_ query: AuditQuery) throws(StoreError) -> [AuditRecord]
    /// The record with `id`, or nil.
    func record(id: Int64) throws(StoreError) -> AuditRecord?
    /// Streams the records matching `query`'s filters, newest first; `limit` nil means every match.
    func each(_ query: AuditQuery, limit: Int?, _ body: (AuditRecord) -> Void) throws(StoreError)
    /// Deletes records older than `cutoff` (and their alert outbox rows); returns how many.
    @discardableResult func prune(olderThan cutoff: Date) throws(StoreError) -> Int
    func close()

    // The alert outbox, written in the records' own transaction.
    /// Pending alerts due at `now`, oldest first; on a shared store each is claimed by one node.
    func dueAlerts(now: Date, limit: Int) throws(StoreError) -> [OutboxAlert]
    /// When the earliest pending alert is next due, or nil when none is pending.
    func nextAlertDue() throws(StoreError) -> Date?
    /// Every outbox row, oldest first (at most `limit`).
    func outbox(limit: Int) throws(StoreError) -> [OutboxEntry]
    /// Records what became of delivery attempts, all in one commit.
    func record(_ marks: [AlertMark]) throws(StoreError)
}

extension AuditLog {
    public func dueAlerts(now: Date) throws(StoreError) -> [OutboxAlert] { try dueAlerts(now: now, limit: 64) }
    public func outbox() throws(StoreError) -> [OutboxEntry] { try outbox(limit: 1000) }
}

/// The session bindings as a tenant's store holds them (the pipeline needs only `SessionBindings`).
public protocol SessionBindingStore: SessionBindings {
    /// How many bindings are stored (tombstones included).
    func count() throws(StoreError) -> Int
    func close()
}

extension SessionStore: SessionBindingStore {}

extension KeyStore: MemberKeyStore {}
extension CredentialStore: SealedCredentialStore {}
extension AuditStore: AuditLog {}
