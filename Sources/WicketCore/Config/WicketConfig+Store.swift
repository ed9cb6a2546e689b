import Foundation
import WicketStore

/// Where one tenant's keys, credentials and audit live.
public enum TenantStoreConfig: Sendable {
    /// `data_dir/tenants/NAME/*.sqlite`: one node's own files (the default).
    case sqlite
    /// The tenant's own PostgreSQL database, reached with the tenant's own role, shared by every node.
    case postgres(PGSettings)
}

extension WicketConfig {
    /// The `[server]` keys of the store layer.
    static let storeServerKeys: Set<String> = ["node_name"]
    /// The `[[tenant]]` keys of the store layer.
    static let storeTenantKeys: Set<String> = [
        "store", "postgres", "postgres_password_file", "postgres_sslmode",
        "postgres_sslrootcert", "postgres_pool",
    ]

    /// Reads `node_name` (default: the host name), the name every audit record of this node carries.
    mutating func readStoreSettings(_ server: TableReader) throws(ConfigError) {
        let name = try server.string("node_name") ?? ProcessInfo.processInfo.hostName
        guard !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ConfigError("`server.node_name` must be 1–64 printable ASCII characters without spaces, not `\(name)`")
        }
        nodeName = name
    }
}

extension TenantConfig {
    /// Reads `store = "sqlite" | "postgres"` and, for postgres, the connection settings.
    mutating func readStore(_ table: TableReader, resolve: (String) -> String) throws(ConfigError) {
        let kind = try table.string("store") ?? "sqlite"
        switch kind {
        case "sqlite":
            for key in WicketConfig.storeTenantKeys.sorted() where key != "store" && table.keys.contains(key) {
                throw ConfigError("tenant `\(name)`: `\(key)` needs `store = \"postgres\"`")
            }
            store = .sqlite
        case "postgres":
            guard let conninfo = try table.string("postgres"), !conninfo.isEmpty else {
                throw ConfigError(
                    "tenant `\(name)`: `store = \"postgres\"` needs `postgres`, a libpq connection string such as `host=db1 dbname=wicket_\(name) user=wicket_\(name)`"
                )
            }
            var settings = PGSettings(conninfo: conninfo)
            if let file = try table.string("postgres_password_file") {
                do { settings.password = try PGSettings.readPassword(file: resolve(file)) } catch {
                    throw ConfigError("tenant `\(name)`: \(error.message)")
                }
            }
            settings.sslMode = try table.string("postgres_sslmode")
            settings.sslRootCert = try table.string("postgres_sslrootcert").map(resolve)
            let pool = try table.integer("postgres_pool") ?? 4
            guard (1...64).contains(pool) else { throw ConfigError("tenant `\(name)`: `postgres_pool` must be between 1 and 64") }
            settings.poolSize = pool
            store = .postgres(settings)
        default:
            throw ConfigError("tenant `\(name)`: `store` must be `sqlite` or `postgres`, not `\(kind)`")
        }
    }
}
