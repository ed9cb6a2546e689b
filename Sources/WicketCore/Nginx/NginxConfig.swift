import Foundation

/// Renders the nginx side of Wicket's request path (docs/architecture.md): the `http {}` include, the
/// `server {}` include, or a complete standalone `nginx.conf` for `nginx -p DIR -c FILE`.
///
/// The shape: the MCP location `fastcgi_pass`es every request to Wicket; on allow Wicket answers
/// `X-Accel-Redirect: @wicket_mcp` and nginx replays the request (same method, byte-identical
/// body) to the MCP server with `Authorization` set from `X-Wicket-Token`; on deny Wicket's
/// 401/403 JSON-RPC answer goes to the client; if Wicket is down, slow or its socket is gone nginx
/// answers 503 itself and the MCP server is never reached.
///
/// The http include declares Wicket's socket as the upstream `wicket_fastcgi` with `keepalive`, and
/// both FastCGI locations pass to it with `fastcgi_keep_conn on`: nginx reuses its connections to
/// Wicket instead of connecting per request. A connection Wicket closed (a restart) is dropped from
/// nginx's cache as soon as nginx sees it close; a request that races it gets 502, which the
/// include answers as 503 (fail closed, never forwarded).
///
/// Every value is checked before it is written, so no input can add a directive.
public struct NginxConfig: Sendable, Equatable {
    /// The named location Wicket's allow answer redirects to (`X-Accel-Redirect: @wicket_mcp`).
    public static let mcpLocation = "@wicket_mcp"

    /// Standalone `listen` value, e.g. `127.0.0.1:8080` or `[::1]:8443`. Not used in the includes
    /// (they go inside the operator's own `server {}`).
    public var listen: String
    /// The MCP server: `http://host:port` or `https://host:port/path`. A path is applied with a
    /// `rewrite … break` since `proxy_pass` in a named location cannot carry one.
    public var upstreamURL: String
    /// Wicket's name for that MCP server, sent as the FastCGI param `WICKET_SERVER`; Wicket maps
    /// it to a tenant. Letters, digits, `.`, `_`, `-`.
    public var serverName: String
    /// Wicket's Unix socket.
    public var socketPath: String
    /// Standalone prefix directory (pid file, logs and temp paths go there). Required by
    /// ``standaloneConfig()``; nil for the includes.
    public var prefix: String?
    /// The MCP endpoint path clients use, matched exactly. Default `/mcp`.
    public var mcpPath: String
    /// nginx's own body limit in bytes (`client_max_body_size`); past it nginx answers 413.
    /// Default 1 MiB. Keep Wicket's limit at or below it.
    public var clientMaxBodyBytes: Int
    /// How long nginx waits to connect to Wicket, in milliseconds. Default 1000.
    public var fastcgiConnectTimeoutMilliseconds: Int
    /// How long nginx waits for Wicket to read the request and to answer, in milliseconds.
    /// Past it nginx answers 503 (fail closed). Default 5000.
    public var fastcgiTimeoutMilliseconds: Int
    /// How long an idle SSE stream from the MCP server may stay silent, in seconds. Default 3600.
    public var streamIdleTimeoutSeconds: Int
    /// Standalone only: run in the foreground (`daemon off;`) so a supervisor or test owns the
    /// process. Default true.
    public var foreground: Bool
    /// Standalone only: `worker_processes`; nil renders `auto`. Default 1.
    public var workerProcesses: Int?
    /// Standalone only: the `user` directive for workers when nginx starts as root (e.g. `root`
    /// in CI so workers reach a 0660 root-owned socket); nil omits it. Default nil.
    public var user: String?
    /// Standalone only: write the error log to stderr instead of `PREFIX/error.log`. Default false.
    public var errorLogToStderr: Bool
    /// Standalone only: `worker_shutdown_timeout`, in seconds. After a reload, old workers close
    /// whatever is still open after this long, SSE streams included: the bound on how long a revoked
    /// member's open stream lives once nginx is reloaded (docs/threat-model.md). Default 10.
    public var workerShutdownTimeoutSeconds: Int = 10

    /// Where Prometheus scrapes Wicket's metrics (loopback only unless the operator allows more);
    /// nil leaves the location out. Default `/wicket/metrics`.
    public var metricsPath: String? = "/wicket/metrics"

    public init(
        listen: String = "127.0.0.1:8080",
        upstreamURL: String,
        serverName: String,
        socketPath: String = "/run/wicket/wicket.sock",
        prefix: String? = nil,
        mcpPath: String = "/mcp",
        clientMaxBodyBytes: Int = 1 << 20,
        fastcgiConnectTimeoutMilliseconds: Int = 1000,
        fastcgiTimeoutMilliseconds: Int = 5000,
        streamIdleTimeoutSeconds: Int = 3600,
        foreground: Bool = true,
        workerProcesses: Int? = 1,
        user: String? = nil,
        errorLogToStderr: Bool = false
    ) {
        self.listen = listen
        self.upstreamURL = upstreamURL
        self.serverName = serverName
        self.socketPath = socketPath
        self.prefix = prefix
        self.mcpPath = mcpPath
        self.clientMaxBodyBytes = clientMaxBodyBytes
        self.fastcgiConnectTimeoutMilliseconds = fastcgiConnectTimeoutMilliseconds
        self.fastcgiTimeoutMilliseconds = fastcgiTimeoutMilliseconds
        self.streamIdleTimeoutSeconds = streamIdleTimeoutSeconds
        self.foreground = foreground
        self.workerProcesses = workerProcesses
        self.user = user
        self.errorLogToStderr = errorLogToStderr
    }

    /// The part for `http {}` (include once).
    public func httpInclude() throws -> String {
        try validate(standalone: false)
        return httpBody + "\n"
    }

    /// The part for the operator's `server {}` block (with `include fastcgi_params;`).
    public func serverInclude() throws -> String {
        try validate(standalone: false)
        return try serverBody(inlineParams: false) + "\n"
    }

    /// A complete `nginx.conf` for `nginx -p PREFIX -c FILE` with everything inside `prefix`,
    /// independent of the system's `/etc/nginx`.
    public func standaloneConfig() throws -> String {
        try validate(standalone: true)
        let dir = prefix ?? ""
        var lines: [String] = [
            "# Wicket standalone nginx: nginx -p \(dir) -c <this file>",
            "# Generated by `wicket nginx --standalone`; everything it writes stays in the prefix.",
            "",
        ]
        if let user {
            lines += ["# Workers' user when started as root (so they reach Wicket's socket).", "user \(user);"]
        }
        lines += [
            "# Worker processes.",
            "worker_processes \(workerProcesses.map(String.init) ?? "auto");",
        ]
        if foreground {
            lines += ["# Stay in the foreground: the caller owns the process.", "daemon off;"]
        }
        lines += [
            "# Pid file inside the prefix.",
            "pid \(dir)/nginx.pid;",
            "# After a reload, old workers close what is still open after this long, SSE streams",
            "# included: a revoked member's open stream ends and its reconnect is decided again.",
            "worker_shutdown_timeout \(workerShutdownTimeoutSeconds)s;",
            "# Errors (startup problems, upstream failures).",
            errorLogToStderr ? "error_log stderr notice;" : "error_log \(dir)/error.log notice;",
            "",
            "events {",
            "    # Connections per worker.",
            "    worker_connections 1024;",
            "}",
            "",
            "http {",
            "    # Content type when nothing else sets one.",
            "    default_type application/octet-stream;",
            "    # Temp files inside the prefix, not the system's /var/lib/nginx.",
            "    client_body_temp_path \(dir)/client_body_temp;",
            "    proxy_temp_path \(dir)/proxy_temp;",
            "    fastcgi_temp_path \(dir)/fastcgi_temp;",
            "    uwsgi_temp_path \(dir)/uwsgi_temp;",
            "    scgi_temp_path \(dir)/scgi_temp;",
            "",
        ]
        lines += httpBody.split(separator: "\n", omittingEmptySubsequences: false).map { indent(String($0)) }
        lines += [
            "    # One access log line per request, without query strings, headers or bodies.",
            "    access_log \(dir)/access.log wicket;",
            "",
            "    server {",
            "        # Address clients connect to.",
            "        listen \(listen);",
            "        # Any host name.",
            "        server_name _;",
            "",
        ]
        lines += try serverBody(inlineParams: true).split(separator: "\n", omittingEmptySubsequences: false)
            .map { indent(indent(String($0))) }
        lines += [
            "",
            "        # Anything else is not Wicket's.",
            "        location / {",
            "            return 404;",
            "        }",
            "    }",
            "}",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Rendering

    /// The upstream every `fastcgi_pass` names (declared in the http include).
    public static let upstreamName = "wicket_fastcgi"

    private var httpBody: String {
        """
        # Wicket: include once inside http { }.
        # Access log format for the MCP endpoint: no query string, headers or body; the
        # request id is the one Wicket records in the audit. Use it with
        # `access_log /var/log/nginx/wicket.log wicket;`.
        log_format wicket '$remote_addr [$time_iso8601] "$request_method $uri" '
                          '$status $body_bytes_sent $request_time $request_id';
        # nginx bounds no proxied stream's lifetime. Put `worker_shutdown_timeout 10s;` in
        # nginx.conf's main context: after `systemctl reload nginx` (say, once a key is revoked)
        # every SSE stream still open closes within 10 s and its reconnect is decided again.
        # Wicket's socket. nginx keeps connections to it open between requests
        # (`fastcgi_keep_conn on` in the locations), so a request costs no connect and no accept.
        upstream \(Self.upstreamName) {
            # The socket `wicket serve` listens on.
            server unix:\(socketPath);
            # Idle connections each nginx worker keeps; more than the requests a worker has
            # in flight to Wicket at once is enough.
            keepalive 64;
            # A kept connection serves this many requests, then nginx opens a new one.
            keepalive_requests 10000;
            # An idle kept connection closes after this long.
            keepalive_timeout 60s;
        }
        """
    }

    /// The CGI params of Debian's `fastcgi_params` that Wicket reads or records, for standalone
    /// configs that cannot rely on `/etc/nginx`. PHP's `REDIRECT_STATUS` is left out.
    private static let standardParams: [(String, String)] = [
        ("QUERY_STRING", "$query_string"),
        ("REQUEST_METHOD", "$request_method"),
        ("CONTENT_TYPE", "$content_type"),
        ("CONTENT_LENGTH", "$content_length"),
        ("SCRIPT_NAME", "$fastcgi_script_name"),
        ("REQUEST_URI", "$request_uri"),
        ("DOCUMENT_URI", "$document_uri"),
        ("SERVER_PROTOCOL", "$server_protocol"),
        ("REQUEST_SCHEME", "$scheme"),
        ("HTTPS", "$https if_not_empty"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", "nginx/$nginx_version"),
        ("REMOTE_ADDR", "$remote_addr"),
        ("REMOTE_PORT", "$remote_port"),
        ("SERVER_ADDR", "$server_addr"),
        ("SERVER_PORT", "$server_port"),
        ("SERVER_NAME", "$server_name"),
        ("HTTP_HOST", "$host"),
    ]

    private func serverBody(inlineParams: Bool) throws -> String {
        let upstream = try Self.parseUpstream(upstreamURL)
        var paramLines: [String]
        if inlineParams {
            paramLines = ["    # Standard CGI params (what Debian's fastcgi_params sets, minus PHP's)."]
            paramLines += Self.standardParams.map { "    fastcgi_param \($0.0) \($0.1);" }
        } else {
            paramLines = [
                "    # Standard CGI params: REQUEST_METHOD, CONTENT_LENGTH, REMOTE_ADDR, REQUEST_URI…",
                "    # Never repeat a name it sets: both are sent and Wicket reads the first.",
                "    include fastcgi_params;",
            ]
        }
        var rewrite: [String] = []
        if let path = upstream.path {
            rewrite = [
                "    # The MCP server's path (proxy_pass in a named location cannot carry one).",
                "    rewrite ^ \(path) break;",
            ]
        }
        let lines: [String] =
            [
                "# Wicket: every MCP message is authorized (and audited) before the MCP server sees it.",
                "# Include inside the server { } block that serves the MCP endpoint; include",
                "# wicket-http.conf once in http { }. Render it with `wicket nginx`; the values that",
                "# differ per site are the location path, the socket, WICKET_SERVER and proxy_pass.",
                "",
                "# The MCP endpoint: POST messages, GET SSE streams and DELETE all ask Wicket first.",
                "location = \(mcpPath) {",
                "    # nginx's own body limit; past it nginx answers 413 without asking anyone.",
                "    client_max_body_size \(clientMaxBodyBytes);",
                "    # Bodies up to this size stay in memory, larger ones go to a temp file.",
                "    client_body_buffer_size 64k;",
                "    # nginx's own 413 as a JSON-RPC error.",
                "    error_page 413 = @wicket_too_large;",
                "    # Fail closed: Wicket missing, down or too slow -> 503 JSON-RPC error.",
                "    # Never point error_page, fastcgi_next_upstream or a backup at the MCP server.",
                "    error_page 502 503 504 = @wicket_unavailable;",
                "",
                "    # Wicket decides. nginx reads the whole body first and sends it as FastCGI stdin.",
                "    fastcgi_pass \(Self.upstreamName);",
                "    # Keep the connection to Wicket for the next request (the http include's upstream).",
                "    fastcgi_keep_conn on;",
            ] + paramLines + [
                "    # Wicket's name for the MCP server behind this location; it selects the tenant.",
                "    fastcgi_param WICKET_SERVER \(serverName);",
                "    # nginx's request id, kept in the audit record and the access log.",
                "    fastcgi_param WICKET_REQUEST_ID $request_id;",
                "    # Read the whole body before asking Wicket (the default, stated because Wicket needs it).",
                "    fastcgi_request_buffering on;",
                "    # There is no other server to try, and never the MCP server.",
                "    fastcgi_next_upstream off;",
                "    # Wicket answers in milliseconds; past these nginx answers 503 (fail closed).",
                "    fastcgi_connect_timeout \(fastcgiConnectTimeoutMilliseconds)ms;",
                "    fastcgi_send_timeout \(fastcgiTimeoutMilliseconds)ms;",
                "    fastcgi_read_timeout \(fastcgiTimeoutMilliseconds)ms;",
                "    # Room for Wicket's answer headers (the upstream credential may be long).",
                "    fastcgi_buffer_size 16k;",
                "    # Buffers for the (tiny) answer; busy buffers must stay below their total.",
                "    fastcgi_buffers 4 16k;",
                "    # On deny Wicket's whole answer reaches the client; its private headers must not.",
                "    fastcgi_hide_header X-Wicket-Token;",
                "    fastcgi_hide_header X-Wicket-Decision;",
                "    fastcgi_hide_header X-Wicket-Rule;",
                "}",
                "",
            ] + metricsLocation() + [
                "# Where an allowed request continues (Wicket answers X-Accel-Redirect: \(Self.mcpLocation)).",
                "# A named location keeps the method and the byte-identical body; a URI would make a GET.",
                "location \(Self.mcpLocation) {",
                "    # Capture Wicket's headers now; read directly in proxy_set_header they are empty.",
                "    set $wicket_token $upstream_http_x_wicket_token;",
                "    # The member's own credential for this MCP server replaces the client's Wicket key;",
                "    # an empty token sends no Authorization at all.",
                "    proxy_set_header Authorization $wicket_token;",
                "    # proxy_set_header here replaces any from the server level, so the usual ones follow.",
                "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                "    proxy_set_header X-Forwarded-Proto $scheme;",
            ] + rewrite + [
                "    # The MCP server.",
                "    proxy_pass \(upstream.origin);",
                "    # HTTP/1.1 with keep-alive to the MCP server (chunked SSE responses need 1.1).",
                "    proxy_http_version 1.1;",
                "    # No hop-by-hop Connection header from the client.",
                "    proxy_set_header Connection \"\";",
                "    # Stream responses as they come: SSE events reach the client live.",
                "    proxy_buffering off;",
                "    proxy_cache off;",
                "    # An SSE stream may stay quiet this long.",
                "    proxy_read_timeout \(streamIdleTimeoutSeconds)s;",
                "    # The MCP server must not trigger internal redirects or change how nginx buffers.",
                "    proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering X-Accel-Charset;",
                "    # One try; a failed request is never replayed.",
                "    proxy_next_upstream off;",
                "    # MCP server down or silent -> 502 JSON-RPC error.",
                "    error_page 502 504 = @wicket_upstream_unavailable;",
                "}",
                "",
                "# nginx answers these itself, as JSON-RPC errors; none of them reaches the MCP server.",
                "# Wicket unreachable, failing or too slow.",
                "location @wicket_unavailable {",
                "    # The error bodies are JSON-RPC.",
                "    default_type application/json;",
                "    # 503, the request was not forwarded.",
                "    return 503 '\(Self.jsonRPCError(code: -32603, "the authorization service is unavailable; the request was not forwarded"))';",
                "}",
                "# Body over client_max_body_size.",
                "location @wicket_too_large {",
                "    # The error bodies are JSON-RPC.",
                "    default_type application/json;",
                "    # 413, Wicket was not asked.",
                "    return 413 '\(Self.jsonRPCError(code: -32600, "the request body is larger than this endpoint accepts"))';",
                "}",
                "# Allowed, but the MCP server is down or silent.",
                "location @wicket_upstream_unavailable {",
                "    # The error bodies are JSON-RPC.",
                "    default_type application/json;",
                "    # 502 from nginx on behalf of the MCP server.",
                "    return 502 '\(Self.jsonRPCError(code: -32603, "the MCP server is unavailable"))';",
                "}",
            ]
        return lines.joined(separator: "\n")
    }

    /// Prometheus metrics: only loopback by default, and marked for Wicket by a FastCGI param that
    /// only this location sets (a client's headers reach Wicket as `HTTP_*` params, never as this).
    private func metricsLocation() -> [String] {
        guard let metricsPath else { return [] }
        return [
            "# Wicket's Prometheus metrics. Only loopback may scrape; add `allow` lines for your",
            "# Prometheus server above `deny all`. The MCP location above never serves them.",
            "location = \(metricsPath) {",
            "    # Who may scrape.",
            "    allow 127.0.0.1;",
            "    allow ::1;",
            "    deny all;",
            "    # Wicket renders the metrics; no body or client header is passed on.",
            "    fastcgi_pass \(Self.upstreamName);",
            "    # Keep the connection to Wicket for the next request (the http include's upstream).",
            "    fastcgi_keep_conn on;",
            "    fastcgi_pass_request_body off;",
            "    fastcgi_pass_request_headers off;",
            "    # Marks the request as a scrape; only this location sets it.",
            "    fastcgi_param \(MetricsEndpoint.param) 1;",
            "    # Wicket down or slow -> 502/504 from nginx; Prometheus reads the status.",
            "    fastcgi_connect_timeout \(fastcgiConnectTimeoutMilliseconds)ms;",
            "    fastcgi_read_timeout \(fastcgiTimeoutMilliseconds)ms;",
            "}",
            "",
        ]
    }

    private static func jsonRPCError(code: Int, _ message: String) -> String {
        #"{"jsonrpc":"2.0","id":null,"error":{"code":\#(code),"message":"\#(message)"}}"#
    }

    private func indent(_ line: String) -> String {
        line.isEmpty ? line : "    " + line
    }

    // MARK: - Validation

    private func validate(standalone: Bool) throws {
        guard Self.isPlain(serverName, extra: "._-"), !serverName.isEmpty, serverName.count <= 128 else {
            throw NginxConfigError(.invalidServerName, "the server name `\(serverName)` may use only letters, digits, `.`, `_` and `-`")
        }
        guard socketPath.hasPrefix("/"), socketPath.utf8.count < 108, Self.isPlain(socketPath, extra: "/._-") else {
            throw NginxConfigError(
                .invalidSocketPath,
                "the socket path `\(socketPath)` must be absolute, shorter than 108 bytes, and use only letters, digits, `/`, `.`, `_` and `-`"
            )
        }
        if let metricsPath, !metricsPath.hasPrefix("/") || !Self.isPlain(metricsPath, extra: "/._-~") || metricsPath == mcpPath {
            throw NginxConfigError(
                .invalidMCPPath,
                "the metrics path `\(metricsPath)` must start with `/`, use only letters, digits, `/`, `.`, `_`, `-` and `~`, and differ from the MCP path"
            )
        }
        guard mcpPath.hasPrefix("/"), Self.isPlain(mcpPath, extra: "/._-~") else {
            throw NginxConfigError(
                .invalidMCPPath, "the MCP path `\(mcpPath)` must start with `/` and use only letters, digits, `/`, `.`, `_`, `-` and `~`")
        }
        guard clientMaxBodyBytes > 0, clientMaxBodyBytes <= 1 << 30 else {
            throw NginxConfigError(.invalidLimit, "the body limit `\(clientMaxBodyBytes)` must be between 1 byte and 1 GiB")
        }
        for (name, value) in [
            ("fastcgi connect timeout", fastcgiConnectTimeoutMilliseconds),
            ("fastcgi timeout", fastcgiTimeoutMilliseconds),
            ("stream idle timeout", streamIdleTimeoutSeconds),
            ("worker shutdown timeout", workerShutdownTimeoutSeconds),
        ] where value <= 0 || value > 86_400_000 {
            throw NginxConfigError(.invalidLimit, "the \(name) `\(value)` must be positive and at most a day")
        }
        _ = try Self.parseUpstream(upstreamURL)
        guard standalone else { return }
        guard !listen.isEmpty, Self.isPlain(listen, extra: ".:[]") else {
            throw NginxConfigError(.invalidListen, "the listen address `\(listen)` must look like `127.0.0.1:8080`, `[::1]:8080` or `8080`")
        }
        guard let prefix, prefix.hasPrefix("/"), Self.isPlain(prefix, extra: "/._-") else {
            throw NginxConfigError(
                .invalidPrefix, "a standalone config needs an absolute prefix directory using only letters, digits, `/`, `.`, `_` and `-`")
        }
        if let workerProcesses, !(1...64).contains(workerProcesses) {
            throw NginxConfigError(.invalidLimit, "the worker process count `\(workerProcesses)` must be between 1 and 64")
        }
        if let user, user.isEmpty || !Self.isPlain(user, extra: "._- ") || user.hasPrefix(" ") {
            throw NginxConfigError(.invalidUser, "the user `\(user)` must be a user name, optionally followed by a group name")
        }
    }

    private static func isPlain(_ value: String, extra: String) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || extra.unicodeScalars.contains(scalar)
        }
    }

    /// Splits `http(s)://host[:port][/path]` into the origin for `proxy_pass` and the optional path.
    private static func parseUpstream(_ url: String) throws -> (origin: String, path: String?) {
        let failure = NginxConfigError(
            .invalidUpstreamURL,
            "the upstream URL `\(url)` must look like `http://127.0.0.1:9000/mcp`, without query, fragment or credentials")
        guard let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, isPlain(host, extra: ".-[]:"),
            components.user == nil, components.password == nil,
            components.query == nil, components.fragment == nil
        else { throw failure }
        let path = components.percentEncodedPath
        guard path.isEmpty || (path.hasPrefix("/") && isPlain(path, extra: "/._-~%")) else { throw failure }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        var origin = "\(scheme)://\(hostPart)"
        if let port = components.port {
            guard (1...65535).contains(port) else { throw failure }
            origin += ":\(port)"
        }
        return (origin, path.isEmpty || path == "/" ? nil : path)
    }
}
