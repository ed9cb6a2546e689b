import Foundation
import Logging

/// One tenant's PostgreSQL database as this node sees it: a bounded pool for the request path and
/// the CLI, the schema migrated on open, and the node's name stamped on its audit records.
public final class PGTenantDatabase: Sendable {
    public let tenant: String
    public let node: String
    let pool: PGPool
    let settings: PGSettings

    /// Connects once (so a wrong address or role fails at start) and applies pending migrations.
    public init(settings: PGSettings, tenant: String, node: String) throws(StoreError) {
        try Names.validateTenant(tenant)
        self.tenant = tenant
        self.node = node
        self.settings = settings
        pool = PGPool(settings: settings)
        try pool.withConnection { connection throws(StoreError) in try PGSchema.apply(to: connection) }
    }

    public func close() { pool.close() }
}
