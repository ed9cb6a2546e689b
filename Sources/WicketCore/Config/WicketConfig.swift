import Foundation
import Logging
import WicketMCP
import WicketStore

/// Wicket's configuration, read from `wicket.toml`. Relative paths are resolved against the folder
/// that holds the file, so a setup folder can be moved as a whole. The file `wicket init` writes shows every key;
/// docs/operations.md, "Configuration reference", explains each.
public struct WicketConfig: Sendable {
    /// The FastCGI socket nginx connects to.
    public var socketPath: String
    /// The socket's permission bits: nginx's user must reach it, nobody else. Default 0660.
    public var socketMode: UInt32
    /// The group the socket is given (nginx's group, `www-data` on Debian); nil keeps the process's group.
    public var socketGroup: String?
    /// Event-loop threads of the FastCGI front: each reads the requests of the connections it accepted
    /// and decides them; a loop that leads an audit commit waits for it (docs/benchmarks.md, issue 11
    /// round 4). 4 × this many requests may be in flight. Default 32.
    public var threads: Int
    /// The event loops' threads run under SCHED_BATCH (`batch_scheduling`; WicketConfig+Front.swift). Default false.
    public var batchScheduling = false
    /// Largest request body accepted; larger bodies are refused with 413. Default 1 MiB.
    public var maxBodyBytes: Int
    /// Where each tenant's SQLite files and master key live (`DATA/tenants/NAME/`).
    public var dataDirectory: String
    /// A MaxMind City database; nil disables geo enrichment (`context.geo` is then empty).
    public var geoDatabase: String?
    /// Proxies whose `X-Forwarded-For` is believed (CIDR); by default only nginx's peer address counts.
    public var trustedProxies: [String]
    /// The least severe log level written (`log_level`, one of swift-log's levels). Default `info`.
    public var logLevel: Logger.Level
    /// How often policy files are checked for changes, in seconds (0 = only on SIGHUP).
    public var reloadInterval: Int
    /// `full` (default): every audit commit is fsynced and survives power loss. `normal`: a record is
    /// in the WAL before the answer leaves and survives a crash of Wicket, not of the machine.
    public var auditSync: AuditStore.Durability
    /// Seconds a session binding may stay unused before the session is refused as expired (404).
    /// Default 86400 (a day).
    public var sessionIdleTimeout: Int = 86_400
    public var tenants: [TenantConfig]
    public var upstreams: [UpstreamConfig]
    /// This node's name, carried by its audit records in a shared store (`node_name`; default the host name).
    public var nodeName: String = ProcessInfo.processInfo.hostName
    /// Where `@alert("NAME")` sends (`[alerts]`, `[[alerts.sink]]`); no sinks by default.
    public var alerts = AlertsConfig()

    public func tenant(named name: String) -> TenantConfig? { tenants.first { $0.name == name } }
    /// The upstream named by exactly these bytes (a canonically equivalent spelling is another name).
    public func upstream(named name: String) -> UpstreamConfig? { upstreams.first { $0.name.utf8.elementsEqual(name.utf8) } }

    /// The folder holding one tenant's SQLite files and master key; no other tenant's data is there.
    public func tenantDataDirectory(_ tenant: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("tenants/\(tenant)")
    }
}

/// One customer: its own policies, entities, time zone and data files.
public struct TenantConfig: Sendable {
    public enum MissingCredential: String, Sendable { case deny, empty }

    public var name: String
    /// IANA time zone for `context.time` (hour, minute, weekday, date).
    public var timeZone: String
    /// A folder of `*.cedar` files (or one file).
    public var policies: String
    /// Members and groups as Cedar entity JSON (`User`, `Group`; placed in each upstream's namespace).
    public var entities: String
    /// Optional Cedar schema used to type entities and validate policies.
    public var schema: String?
    /// Optional candidate policy folder evaluated beside the enforced one (shadow mode).
    public var shadowPolicies: String?
    /// Policy unit tests (`wicket test`).
    public var tests: String?
    /// What happens when an allowed member has no stored credential for the server.
    public var missingCredential: MissingCredential
    /// A tool the schema does not declare: refused (`deny`, the default with a schema) or left to the
    /// policies (`policy`). Without a schema there is nothing to compare with: always `policy`.
    public var unknownTools: UnknownTools = .policy
    /// Where the tenant's keys, credentials and audit live (`store`; SQLite files by default).
    public var store: TenantStoreConfig = .sqlite
}

/// An upstream MCP server behind nginx; nginx names it in the `WICKET_SERVER` FastCGI param.
public struct UpstreamConfig: Sendable {
    public var name: String
    public var tenant: String
    /// The Cedar namespace of its entities and actions (`ServiceMCP`).
    public var namespace: String
    public var url: String
    /// Tool name → the argument whose string value is the Cedar resource (`delete_records = "table"`).
    public var resourceArguments: [String: String]
    /// How a policy denial of a `tools/call` is answered (`deny_style`). Default `.jsonRPCError`.
    public var denyStyle: DenyStyle = .jsonRPCError
    /// Methods beyond the negotiated revision's that this server really serves (`extension_methods`);
    /// each is its own Cedar action, in no group. Everything else outside the revision is refused.
    public internal(set) var extensionMethods: [String] = []
    /// ASCII punctuation admitted in tool and prompt names beyond the MCP grammar
    /// (`extra_name_characters`); empty (the spec) by default. Logged at start when set.
    public internal(set) var extraNameCharacters: String = ""
    /// The tool and prompt name grammar: the MCP spec's plus `extra_name_characters`, parsed once at load.
    public internal(set) var nameGrammar: MCPNameGrammar = .spec
    /// `extension_methods` as bytes, for the byte-exact method check of every request.
    public internal(set) var extensionMethodBytes: Set<[UInt8]> = []
    /// How long a list call to the upstream may take, connect included (`list_timeout_ms`, default 10 s).
    public var listTimeoutMilliseconds: Int = 10_000
    /// The reviewed `tools/list` answer in the tenant's folder (`reviewed_tools`); nil: trust on first use.
    public var reviewedTools: String?
}

/// A configuration problem, with the key it concerns.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// `configUnreadable` or `configInvalid`.
    public let code: WicketErrorCode
    public let message: String
    public var description: String { message }
    init(_ message: String, code: WicketErrorCode = .configInvalid) {
        self.code = code
        self.message = message
    }
}

extension WicketConfig {
    /// Reads and checks a configuration file.
    public static func load(path: String) throws(ConfigError) -> WicketConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read the configuration file `\(path)`", code: .configUnreadable)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("`\(path)` is not UTF-8 text", code: .configUnreadable)
        }
        do {
            return try parse(text, baseDirectory: ConfigLocation.realDirectory(ofFile: path))
        } catch let error as TOMLError {
            throw ConfigError("\(path): \(error)")
        } catch let error as ConfigError {
            throw ConfigError("\(path): \(error.message)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// Parses configuration text; relative paths are resolved against `baseDirectory`.
    public static func parse(_ text: String, baseDirectory: String) throws -> WicketConfig {
        let root = try TOMLParser.parse(text)
        let reader = TableReader(root, where: "")
        try reader.allowOnly(["server", "tenant", "upstream", "alerts"])
        let server = try reader.table("server") ?? TableReader([:], where: "server")
        try server.allowOnly(
            ([
                "socket", "socket_mode", "socket_group", "threads", "max_body_bytes", "data_dir",
                "geoip_database", "trusted_proxies", "log_level", "reload_interval", "audit_sync",
                "session_idle_timeout",
            ] as Set<String>).union(storeServerKeys).union(frontServerKeys))
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : ((baseDirectory as NSString).appendingPathComponent(path) as NSString).standardizingPath
        }
        let modeText = try server.string("socket_mode") ?? "0660"
        guard let mode = UInt32(modeText, radix: 8), mode <= 0o777 else {
            throw ConfigError("`server.socket_mode` must be octal permission bits such as `0660`, not `\(modeText)`")
        }
        var config = WicketConfig(
            socketPath: resolve(try server.string("socket") ?? "run/wicket.sock"),
            socketMode: mode,
            socketGroup: try server.string("socket_group"),
            threads: try server.integer("threads") ?? 32,
            maxBodyBytes: try server.integer("max_body_bytes") ?? 1 << 20,
            dataDirectory: resolve(try server.string("data_dir") ?? "data"),
            geoDatabase: try server.string("geoip_database").map(resolve),
            trustedProxies: try server.strings("trusted_proxies") ?? [],
            logLevel: try server.choice("log_level", default: Logger.Level.info),
            reloadInterval: try server.integer("reload_interval") ?? 2,
            auditSync: try server.choice("audit_sync", default: AuditStore.Durability.full),
            tenants: [], upstreams: [])
        try config.readStoreSettings(server)
        try config.readFrontSettings(server)
        config.sessionIdleTimeout = try server.integer("session_idle_timeout") ?? 86_400
        guard (120...31_536_000).contains(config.sessionIdleTimeout) else {
            throw ConfigError("`server.session_idle_timeout` must be between 120 and 31536000 seconds")
        }
        guard (1...256).contains(config.threads) else { throw ConfigError("`server.threads` must be between 1 and 256") }
        guard config.maxBodyBytes >= 1024 else { throw ConfigError("`server.max_body_bytes` must be at least 1024") }

        for (position, tenant) in try reader.tables("tenant").enumerated() {
            try tenant.allowOnly(
                ([
                    "name", "time_zone", "policies", "entities", "schema", "shadow_policies", "tests", "missing_credential",
                    "unknown_tools",
                ] as Set<String>).union(storeTenantKeys))
            let name = try tenant.requiredString("name")
            guard TenantName.isValid(name) else {
                throw ConfigError("tenant \(position + 1): `\(name)` is not a tenant name (1–32 of a-z, 0-9, -)")
            }
            let zone = try tenant.string("time_zone") ?? "UTC"
            guard TimeZone(identifier: zone) != nil else { throw ConfigError("tenant `\(name)`: unknown time zone `\(zone)`") }
            let missingText = try tenant.string("missing_credential") ?? "deny"
            guard let missing = TenantConfig.MissingCredential(rawValue: missingText) else {
                throw ConfigError("tenant `\(name)`: `missing_credential` must be `deny` or `empty`")
            }
            guard config.tenant(named: name) == nil else { throw ConfigError("tenant `\(name)` is defined twice") }
            config.tenants.append(
                TenantConfig(
                    name: name, timeZone: zone,
                    policies: resolve(try tenant.requiredString("policies")),
                    entities: resolve(try tenant.requiredString("entities")),
                    schema: try tenant.string("schema").map(resolve),
                    shadowPolicies: try tenant.string("shadow_policies").map(resolve),
                    tests: try tenant.string("tests").map(resolve),
                    missingCredential: missing))
            try config.tenants[config.tenants.count - 1].readNameDiscipline(tenant)
            try config.tenants[config.tenants.count - 1].readStore(tenant, resolve: resolve)
        }
        for upstream in try reader.tables("upstream") {
            try upstream.allowOnly([
                "name", "tenant", "namespace", "url", "resources", "extension_methods", "extra_name_characters",
                "deny_style", "list_timeout_ms", "reviewed_tools",
            ])
            let name = try upstream.requiredString("name")
            let tenant = try upstream.requiredString("tenant")
            guard config.tenant(named: tenant) != nil else {
                throw ConfigError("upstream `\(name)` names tenant `\(tenant)`, which is not defined")
            }
            // `==` on purpose: a canonically equivalent twin (NFC against NFD) would be another upstream
            // to Wicket and nginx but the same name to a reader, so it counts as defined twice.
            guard !config.upstreams.contains(where: { $0.name == name }) else { throw ConfigError("upstream `\(name)` is defined twice") }
            let namespace = try upstream.string("namespace") ?? "ServiceMCP"
            guard CedarNames.isValidNamespace(namespace) else {
                throw ConfigError("upstream `\(name)`: `\(namespace)` is not a Cedar namespace")
            }
            var resources: [String: String] = [:]
            if let table = try upstream.table("resources") {
                for key in table.keys { resources[key] = try table.requiredString(key) }
            }
            let styleText = try upstream.string("deny_style") ?? DenyStyle.jsonRPCError.rawValue
            guard let style = DenyStyle(rawValue: styleText) else {
                throw ConfigError("upstream `\(name)`: `deny_style` must be `jsonrpc-error` or `tool-result`, not `\(styleText)`")
            }
            config.upstreams.append(
                UpstreamConfig(
                    name: name, tenant: tenant, namespace: namespace,
                    url: try upstream.string("url") ?? "", resourceArguments: resources, denyStyle: style))
            try config.upstreams[config.upstreams.count - 1].readNameDiscipline(upstream)
            try config.upstreams[config.upstreams.count - 1].readListSettings(upstream, resolve: resolve)
        }
        config.alerts = try AlertsConfig.parse(try reader.table("alerts"), resolve: resolve)
        guard !config.tenants.isEmpty else { throw ConfigError("no `[[tenant]]` is defined") }
        return config
    }
}

/// Tenant names appear in key strings and folder names, so they are kept to a safe alphabet.
public enum TenantName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 32
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}

enum CedarNames {
    static func isValidIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == 0x5F || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) else { return false }
        return text.utf8.allSatisfy { $0 == 0x5F || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    static func isValidNamespace(_ text: String) -> Bool {
        text.components(separatedBy: "::").allSatisfy(isValidIdentifier)
    }
}
