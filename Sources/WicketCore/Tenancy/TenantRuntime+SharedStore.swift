import Foundation
import WicketStore

/// The pipeline's audit sink over whichever audit store the tenant has.
struct AuditLogSink: AuditSink {
    let log: any AuditLog
    /// The same store when it is SQLite's, whose group commit gathers (AuditWriter+Gather.swift).
    let store: AuditStore?
    init(log: any AuditLog) {
        self.log = log
        store = log as? AuditStore
    }
    @discardableResult
    func append(contentsOf records: [AuditRecord]) throws -> [Int64] { try log.append(contentsOf: records) }
    func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
        log.append(contentsOf: records, then: completion)
    }
    func announce() -> Bool { store?.announce() ?? false }
    func withdraw() { store?.withdraw() }
    func append(contentsOf records: [AuditRecord], announced: Bool, then completion: @escaping AuditCompletion) {
        guard announced, let store else { return log.append(contentsOf: records, then: completion) }
        store.append(contentsOf: records, announced: true, then: completion)
    }
}

extension TenantRuntime {
    /// How often a node tells a shared store which master keys it holds.
    static let keyReportInterval: Duration = .seconds(30)

    /// On PostgreSQL, records which master key ids this node holds, so that `creds rotate-master-key
    /// --to ID` waits until every node has the new key. Best effort; SQLite tenants skip it.
    func reportHeldMasterKeys() {
        guard let shared = credentials as? PGCredentialStore else { return }
        try? shared.reportHeldKeys(node: nodeNameForReports)
    }

    func reportHeldMasterKeysIfDue() {
        guard credentials is PGCredentialStore, takeKeyReportTurn() else { return }
        reportHeldMasterKeys()
    }
}
