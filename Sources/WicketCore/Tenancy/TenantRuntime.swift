import Cedar
import Foundation
import Logging
import WicketStore

/// Everything one tenant serves with: its stores (its own files, shared with no other tenant) and
/// the current policy snapshot, which a reload swaps atomically.
public final class TenantRuntime: @unchecked Sendable {
    // @unchecked Sendable: the stores are Sendable; `current` is only read and written under `lock`.
    public let config: TenantConfig
    public let keys: any MemberKeyStore
    /// `keys`, when a key it reads from the database comes with the member's credential
    /// (PostgreSQL, KeyCredentialReading.swift); found once here, not cast on every request.
    let keysReadingCredentials: (any KeyCredentialReading)?
    public let credentials: any SealedCredentialStore
    public let audit: any AuditLog
    /// Which member opened each MCP session (`sessions.sqlite`, or the tenant's PostgreSQL database).
    public let sessions: any SessionBindings
    /// Where the pipeline commits records: the tenant's `audit` store. Only a benchmark that measures
    /// what the audit costs puts something else here; no configuration or command can.
    let auditSink: any AuditSink
    let namespaces: Set<String>
    private let lock = NSLock()
    private var current: SharedSnapshot
    private var lastFailure: SourceFingerprint?
    private let nodeName: String
    private var lastKeyReport = ContinuousClock.now
    private var policyHash: String
    private let metrics: WicketMetrics

    /// Opens the tenant's stores and loads its policies; any failure is an error at start.
    public init(
        config: TenantConfig, wicket: WicketConfig, logger: Logger, auditSink: (any AuditSink)? = nil,
        metrics: WicketMetrics = WicketMetrics()
    ) throws {
        self.config = config
        let stores = try TenantStores(config: wicket, tenant: config.name, serving: true)
        keys = stores.keys
        keysReadingCredentials = stores.keys as? any KeyCredentialReading
        credentials = stores.credentials
        audit = stores.audit
        sessions = stores.sessions
        self.auditSink = auditSink ?? AuditLogSink(log: stores.audit)
        nodeName = wicket.nodeName
        namespaces = Set(wicket.upstreams.filter { $0.tenant == config.name }.map(\.namespace))
        current = SharedSnapshot(try PolicyLoader.snapshot(for: config, namespaces: namespaces))
        self.metrics = metrics
        policyHash = PolicySetHash.of(config)
        metrics.policySet(tenant: config.name, hash: policyHash, previous: nil)
        reportHeldMasterKeys()
    }

    var nodeNameForReports: String { nodeName }

    /// True at most once per `keyReportInterval`.
    func takeKeyReportTurn() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard ContinuousClock.now - lastKeyReport >= Self.keyReportInterval else { return false }
        lastKeyReport = ContinuousClock.now
        return true
    }

    public var snapshot: PolicySnapshot { sharedSnapshot.value }

    /// The serving snapshot by reference: what a request holds, one retain instead of a copy of each field.
    var sharedSnapshot: SharedSnapshot {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Re-reads policies and entities. A set that does not load leaves the serving one in place.
    /// Returns true when a new snapshot was installed.
    @discardableResult
    public func reload(onlyIfChanged: Bool, logger: Logger) -> Bool {
        // A poll reports the master keys held every `keyReportInterval`; SIGHUP at once.
        if onlyIfChanged { reportHeldMasterKeysIfDue() } else { reportHeldMasterKeys() }
        let onDisk = SourceFingerprint(paths: PolicyLoader.sourcePaths(of: config))
        // A poll sees a broken set once; it is retried (and logged) when the files change again.
        lock.lock()
        let failed = lastFailure
        lock.unlock()
        if onlyIfChanged, onDisk == snapshot.fingerprint || onDisk == failed {
            return false
        }
        do {
            let next = try PolicyLoader.snapshot(for: config, namespaces: namespaces)
            let hash = PolicySetHash.of(config)
            lock.lock()
            current = SharedSnapshot(next)
            let previous = policyHash
            policyHash = hash
            lock.unlock()
            metrics.reload(tenant: config.name, succeeded: true)
            metrics.policySet(tenant: config.name, hash: hash, previous: previous)
            logger.notice(
                "policies reloaded",
                metadata: [
                    "wicket.tenant": "\(config.name)", "wicket.policies": "\(next.enforced.policies.count)",
                ])
            return true
        } catch {
            lock.lock()
            lastFailure = onDisk
            lock.unlock()
            metrics.reload(tenant: config.name, succeeded: false)
            logger.error(
                "policy reload failed; the previous policies keep serving",
                metadata: [
                    "wicket.tenant": "\(config.name)", "wicket.error": "\(error)",
                ])
            return false
        }
    }
}

/// Opens one tenant's stores: its SQLite files under `data_dir/tenants/NAME/` (the default) or its
/// PostgreSQL database; the master keys are files under that folder either way.
public struct TenantStores {
    public let keys: any MemberKeyStore
    public let credentials: any SealedCredentialStore
    public let audit: any AuditLog
    public let sessions: any SessionBindingStore
    public let ring: MasterKeyRing

    /// `serving`: a server's stores (on PostgreSQL the key cache listens for changes); the CLI
    /// reads and writes through.
    public init(config: WicketConfig, tenant: String, serving: Bool = false) throws {
        guard let tenantConfig = config.tenant(named: tenant) else {
            throw ConfigError("tenant `\(tenant)` is not defined in the configuration")
        }
        let directory = config.tenantDataDirectory(tenant)
        ring = try MasterKeyRing(directory: (directory as NSString).appendingPathComponent("master-keys"))
        // On postgresql the first node's key is copied to the others (`docs/operations.md`); a node
        // that made its own meanwhile never uses it (the current key id is recorded in the database).
        if ring.ids.isEmpty { _ = try ring.generate() }
        switch tenantConfig.store {
        case .sqlite:
            keys = try KeyStore(directory: directory, tenant: tenant)
            credentials = try CredentialStore(directory: directory, tenant: tenant, ring: ring)
            audit = try AuditStore(
                directory: directory, tenant: tenant,
                durability: config.auditSync)
            sessions = try SessionStore(
                directory: directory, tenant: tenant,
                rules: SessionBindingRules(idleTimeoutSeconds: config.sessionIdleTimeout))
        case .postgres(let settings):
            let database = try PGTenantDatabase(settings: settings, tenant: tenant, node: config.nodeName)
            let credentialStore = PGCredentialStore(database: database, ring: ring)
            credentials = credentialStore
            // A key read from the database reads the member's credential in the same statement.
            let keyStore = PGKeyStore(database: database, credentials: credentialStore)
            if serving { keyStore.startListening() }
            keys = keyStore
            audit = PGAuditStore(database: database)
            // The session check reads the member's credential in the same statement (one round trip).
            sessions = PGSessionStore(
                database: database,
                rules: SessionBindingRules(idleTimeoutSeconds: config.sessionIdleTimeout), credentials: credentialStore)
        }
    }
}
