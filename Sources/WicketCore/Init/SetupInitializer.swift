import Foundation
import WicketJSON

/// `wicket init DIR`: a complete working setup — configuration, the example tenant `acme` with its
/// policies, entities, schema and policy tests, and the data folder — from which `wicket serve` starts.
public struct SetupInitializer {
    public struct Options: Sendable {
        public var directory: String
        public var upstreamURL = "http://127.0.0.1:9000/mcp"
        public var serverName = "database"
        public var geoDatabase: String?
        public var socketGroup: String?
        public var trustedProxies: [String] = []
        /// `server.socket` and `server.data_dir`; relative ones are created inside the setup folder,
        /// absolute ones belong to their owner (the Debian package's systemd unit makes both).
        public var socketPath = "run/wicket.sock"
        public var dataDirectory = "data"

        public init(directory: String) { self.directory = directory }
    }

    /// The demo server's tools, as its `tools/list` names them: the example schema has one action each.
    static let exampleTools = ["delete_records", "drop_table", "query", "post_message", "slow_report"]

    public struct InitError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes the setup; refuses to overwrite an existing `wicket.toml`.
    /// Returns the path of the configuration file.
    @discardableResult
    public static func create(_ options: Options) throws -> String {
        let fm = FileManager.default
        let root = (options.directory as NSString).standardizingPath
        let configPath = (root as NSString).appendingPathComponent("wicket.toml")
        guard !fm.fileExists(atPath: configPath) else {
            throw InitError(description: "`\(configPath)` already exists; choose an empty folder")
        }
        guard TOMLQuoting.isSafeURL(options.upstreamURL) else {
            throw InitError(description: "`\(options.upstreamURL)` is not an http(s) URL")
        }
        guard CedarNames.isValidIdentifier(options.serverName.replacingOccurrences(of: "-", with: "_")) else {
            throw InitError(description: "`\(options.serverName)` is not a server name (letters, digits, `_`, `-`)")
        }
        let tenantDir = (root as NSString).appendingPathComponent("tenants/acme")
        let socketFolder = (options.socketPath as NSString).deletingLastPathComponent
        for folder in ["tenants/acme/policies", "tenants/acme/tests"] + (options.socketPath.hasPrefix("/") ? [] : [socketFolder]) {
            try fm.createDirectory(atPath: (root as NSString).appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // The data folder holds keys, sealed credentials and the audit: owner only.
        if !options.dataDirectory.hasPrefix("/") {
            try fm.createDirectory(
                atPath: (root as NSString).appendingPathComponent(options.dataDirectory),
                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        for file in ExampleFiles.tenant {
            let path = (tenantDir as NSString).appendingPathComponent(file.path)
            try file.contents.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try SchemaGenerator.block(namespace: "ServiceMCP", servers: [options.serverName], tools: exampleTools)
            .write(toFile: (tenantDir as NSString).appendingPathComponent("schema.cedarschema"), atomically: true, encoding: .utf8)
        try configText(options).write(toFile: configPath, atomically: true, encoding: .utf8)
        // The real, absolute path: commands printed with it work from any working directory.
        return (ConfigLocation.realDirectory(ofFile: configPath) as NSString).appendingPathComponent("wicket.toml")
    }

    static func configText(_ options: Options) -> String {
        let geo =
            options.geoDatabase.map { "geoip_database = \(TOMLQuoting.quote($0))" }
            ?? "# geoip_database = \"/usr/share/GeoIP/GeoLite2-City.mmdb\"   # see geo/README.md"
        let group =
            options.socketGroup.map { "socket_group = \(TOMLQuoting.quote($0))" }
            ?? "# socket_group = \"www-data\"     # nginx's group on Debian"
        let proxies = options.trustedProxies.map(TOMLQuoting.quote).joined(separator: ", ")
        return """
            # Wicket configuration. Relative paths resolve against the real folder of this file, whatever
            # the working directory. Every key is explained in docs/operations.md ("Configuration
            # reference") of Wicket's source; `wicket serve --config wicket.toml` starts the server.

            [server]
            socket = \(TOMLQuoting.quote(options.socketPath))      # nginx's fastcgi_pass points here
            socket_mode = "0660"            # nginx's user must reach the socket, nobody else
            \(group)
            threads = 32                    # event-loop threads of the FastCGI front
            batch_scheduling = false        # true: loops under SCHED_BATCH (less CPU under load, slower alone)
            max_body_bytes = 1048576        # larger MCP messages get 413
            data_dir = \(TOMLQuoting.quote(options.dataDirectory))               # per-tenant keys, sealed credentials, audit (mode 0700)
            \(geo)
            trusted_proxies = [\(proxies)]  # believe X-Forwarded-For only from these (CIDR)
            log_level = "info"
            reload_interval = 2             # seconds between policy file checks; SIGHUP reloads at once
            audit_sync = "full"             # full: each audit commit fsynced; normal: survives a Wicket crash, not power loss
            session_idle_timeout = 86400    # seconds an MCP session may stay unused before it is refused as expired
            # node_name = "edge-1"          # this node's name on its audit records in a shared store (default: host name)

            [[tenant]]
            name = "acme"
            time_zone = "UTC"               # context.time.hour etc. are in this zone
            policies = "tenants/acme/policies"
            entities = "tenants/acme/entities.json"
            schema = "tenants/acme/schema.cedarschema"
            tests = "tenants/acme/tests"
            missing_credential = "deny"     # an allowed member without a stored credential: deny | empty
            unknown_tools = "deny"          # a tool the schema does not declare: deny (regenerate with `wicket schema`) | policy
            # Several nodes: the tenant's keys, credentials and audit in its own PostgreSQL database, reached
            # with its own role (docs/operations.md, "Several nodes on PostgreSQL"); sqlite is the default.
            # store = "postgres"
            # postgres = "host=db1 dbname=wicket_acme user=wicket_acme"   # a libpq connection string
            # postgres_password_file = "/etc/wicket/acme.pgpass"          # mode 0600
            # postgres_sslmode = "verify-full"
            # postgres_sslrootcert = "/etc/wicket/db-ca.pem"
            # postgres_pool = 4                                            # connections per node for requests

            [[upstream]]
            name = \(TOMLQuoting.quote(options.serverName))           # nginx sends it as WICKET_SERVER
            tenant = "acme"
            namespace = "ServiceMCP"        # Cedar namespace of this server's actions and entities
            url = \(TOMLQuoting.quote(options.upstreamURL))
            # tool = argument whose value is the Cedar resource (else the server itself)
            resources = { delete_records = "table", drop_table = "table", query = "table" }
            deny_style = "jsonrpc-error"    # a denied tools/call: jsonrpc-error (403) | tool-result (200, isError: true)
            # The reviewed tools/list (in git): a tool whose live definition differs is hidden and refused.
            # Write it with `wicket tools approve`; until it exists, definitions are trusted on first use.
            reviewed_tools = "tenants/acme/tools/\(options.serverName).json"
            list_timeout_ms = 10000         # Wicket's own tools/prompts/resources list calls to this server
            # Methods outside the negotiated MCP revision are refused (-32601); list the ones this server
            # really serves. Each is its own Cedar action, in no group: a policy must name it.
            # extension_methods = ["acme/export"]
            # Tool and prompt names follow MCP's grammar (1–128 of A-Z a-z 0-9 _ - .). A server with other
            # names may add ASCII punctuation here, deliberately: it is logged at start.
            # extra_name_characters = ":/"

            # Alerts: a policy annotated @alert("oncall") (the release-window rule is) sends the record's
            # card (who, what, when, why, record id; never arguments or keys) to every sink named "oncall".
            # Without a sink such alerts are dropped with a warning. `wicket alerts test oncall` sends a sample.
            # [alerts]
            # retry_initial_ms = 500        # first retry after a failed delivery; doubles up to retry_max_ms
            # retry_max_ms = 60000
            # give_up_after = "24h"         # still undelivered -> abandoned (logged; `wicket alerts list`)
            # timeout_ms = 5000             # one HTTP attempt
            #
            # [[alerts.sink]]
            # alert = "oncall"
            # kind = "webhook"              # JSON card; X-Wicket-Signature: sha256=HMAC-SHA256(secret, "<ts>.<body>")
            # url = "https://alerts.example.com/wicket"
            # secret_file = "alert-webhook.secret"   # mode 0600, at least 16 bytes
            #
            # [[alerts.sink]]
            # alert = "oncall"
            # kind = "slack"                # Slack incoming webhook; the URL is a secret: keep it in a 0600 file
            # url_file = "slack-webhook.url"
            #
            # [[alerts.sink]]
            # alert = "oncall"
            # kind = "syslog"               # one line per alert
            # socket = "/dev/log"
            # facility = "auth"

            """
    }
}

enum TOMLQuoting {
    /// TOML basic strings take JSON's escapes.
    static func quote(_ text: String) -> String { JSONString.quote(text) }

    static func isSafeURL(_ text: String) -> Bool {
        (text.hasPrefix("http://") || text.hasPrefix("https://"))
            && !text.contains(where: { $0 == " " || $0 == ";" || $0 == "\"" || $0 == "'" || $0 == "{" || $0 == "}" || $0.isNewline })
    }
}
