import Cedar
import Foundation
import Logging
import WicketStore

/// Everything one tenant serves with: its stores (its own files, shared with no other tenant) and
/// the current policy snapshot, which a reload swaps atomically.
public final class TenantRuntime: @unchecked Sendable {
    // @unchecked Sendable: the stores are Sendable; `current` is only read and written under `lock`.
    public let config: TenantConfig
    public let keys: KeyStore
    public let credentials: CredentialStore
    public let audit: AuditStore
    /// Which member opened each MCP session (`sessions.sqlite`).
    public let sessions: any SessionBindings
    /// Where the pipeline commits records: the tenant's `audit` store. Only a benchmark that measures
    /// what the audit costs puts something else here; no configuration or command can.
    let auditSink: any AuditSink
    let namespaces: Set<String>
    private let lock = NSLock()
    private var current: PolicySnapshot
    private var lastFailure: SourceFingerprint?
    private var policyHash: String
    private let metrics: WicketMetrics

    /// Opens the tenant's stores and loads its policies; any failure is an error at start.
    public init(config: TenantConfig, wicket: WicketConfig, logger: Logger, auditSink: (any AuditSink)? = nil,
                metrics: WicketMetrics = WicketMetrics()) throws {
        self.config = config
        let stores = try TenantStores(config: wicket, tenant: config.name)
        keys = stores.keys
        credentials = stores.credentials
        audit = stores.audit
        sessions = stores.sessions
        self.auditSink = auditSink ?? stores.audit
        namespaces = Set(wicket.upstreams.filter { $0.tenant == config.name }.map(\.namespace))
        current = try PolicyLoader.snapshot(for: config, namespaces: namespaces)
        self.metrics = metrics
        policyHash = PolicySetHash.of(config)
        metrics.policySet(tenant: config.name, hash: policyHash, previous: nil)
    }

    public var snapshot: PolicySnapshot {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Re-reads policies and entities. A set that does not load leaves the serving one in place.
    /// Returns true when a new snapshot was installed.
    @discardableResult
    public func reload(onlyIfChanged: Bool, logger: Logger) -> Bool {
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
            current = next
            let previous = policyHash
            policyHash = hash
            lock.unlock()
            metrics.reload(tenant: config.name, succeeded: true)
            metrics.policySet(tenant: config.name, hash: hash, previous: previous)
            logger.notice("policies reloaded", metadata: [
                "wicket.tenant": "\(config.name)", "wicket.policies": "\(next.enforced.policies.count)",
            ])
            return true
        } catch {
            lock.lock()
            lastFailure = onDisk
            lock.unlock()
            metrics.reload(tenant: config.name, succeeded: false)
            logger.error("policy reload failed; the previous policies keep serving", metadata: [
                "wicket.tenant": "\(config.name)", "wicket.error": "\(error)",
            ])
            return false
        }
    }
}

/// Opens one tenant's SQLite files and master keys under `data_dir/tenants/NAME/`.
public struct TenantStores {
    public let keys: KeyStore
    public let credentials: CredentialStore
    public let audit: AuditStore
    public let sessions: SessionStore
    public let ring: MasterKeyRing

    public init(config: WicketConfig, tenant: String) throws {
        guard config.tenant(named: tenant) != nil else {
            throw ConfigError("tenant `\(tenant)` is not defined in the configuration")
        }
        let directory = config.tenantDataDirectory(tenant)
        keys = try KeyStore(directory: directory, tenant: tenant)
        ring = try MasterKeyRing(directory: (directory as NSString).appendingPathComponent("master-keys"))
        if ring.ids.isEmpty { _ = try ring.generate() }
        credentials = try CredentialStore(directory: directory, tenant: tenant, ring: ring)
        audit = try AuditStore(directory: directory, tenant: tenant,
                               durability: config.auditSync)
        sessions = try SessionStore(directory: directory, tenant: tenant,
                                    rules: SessionBindingRules(idleTimeoutSeconds: config.sessionIdleTimeout))
    }
}
