import Foundation
import Testing
import WicketTestSupport

@testable import WicketCore

@Suite("NginxConfig rendering")
struct NginxConfigTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The values the checked-in `nginx/` includes are rendered with.
    static let example = NginxConfig(upstreamURL: "http://127.0.0.1:9000", serverName: "database")

    @Test(
        "the checked-in nginx/ includes are exactly what the renderer produces for the example values",
        arguments: ["wicket-http.conf", "wicket-server.conf"])
    func checkedInIncludesMatch(file: String) throws {
        let rendered = file == "wicket-http.conf" ? try Self.example.httpInclude() : try Self.example.serverInclude()
        let path = Self.packageRoot.appendingPathComponent("nginx/\(file)").path
        if ProcessInfo.processInfo.environment["WICKET_REGENERATE_NGINX"] == "1" {
            try rendered.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == rendered)
    }

    @Test("the server include carries docs/architecture.md's safety directives")
    func safetyDirectives() throws {
        let text = try Self.example.serverInclude()
        for directive in [
            "fastcgi_pass wicket_fastcgi;",
            "fastcgi_keep_conn on;",
            "fastcgi_param WICKET_SERVER database;",
            "location @wicket_mcp {",
            "set $wicket_token $upstream_http_x_wicket_token;",
            "proxy_set_header Authorization $wicket_token;",
            "proxy_buffering off;",
            "proxy_http_version 1.1;",
            "proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering X-Accel-Charset;",
            "fastcgi_hide_header X-Wicket-Token;",
            "error_page 502 503 504 = @wicket_unavailable;",
            "fastcgi_next_upstream off;",
            "proxy_pass http://127.0.0.1:9000;",
        ] {
            #expect(text.contains(directive), "missing: \(directive)")
        }
        // Nothing but the named location may reach the MCP server.
        let proxyPasses = text.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("proxy_pass ") }
        #expect(proxyPasses == ["    proxy_pass http://127.0.0.1:9000;"])
        #expect(!text.contains("X-Accel-Redirect: /"))
    }

    @Test("every directive line in the includes follows a comment or another directive of its group")
    func directivesAreCommented() throws {
        let lines = try Self.example.serverInclude().split(separator: "\n", omittingEmptySubsequences: false)
        var commented = false
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { commented = true; continue }
            if line.isEmpty { commented = false; continue }
            if line == "}" { continue }
            #expect(commented, "uncommented: \(line)")
        }
    }

    @Test("an upstream path becomes a rewrite, since proxy_pass in a named location cannot carry one")
    func upstreamPath() throws {
        var config = Self.example
        config.upstreamURL = "https://mcp.internal:8443/v1/mcp"
        let text = try config.serverInclude()
        #expect(text.contains("rewrite ^ /v1/mcp break;"))
        #expect(text.contains("proxy_pass https://mcp.internal:8443;"))
    }

    @Test("values that would add directives are rejected with the offending value in backticks")
    func injectionRejected() throws {
        let cases: [(NginxConfig, NginxConfigError.Code)] = [
            (NginxConfig(upstreamURL: "http://x:1", serverName: "db; include /etc/passwd"), .invalidServerName),
            (NginxConfig(upstreamURL: "http://x:1/a;b", serverName: "db"), .invalidUpstreamURL),
            (NginxConfig(upstreamURL: "http://user:pw@x:1", serverName: "db"), .invalidUpstreamURL),
            (NginxConfig(upstreamURL: "ftp://x", serverName: "db"), .invalidUpstreamURL),
            (NginxConfig(upstreamURL: "http://x:1", serverName: "db", socketPath: "/run/w.sock;\n}"), .invalidSocketPath),
            (NginxConfig(upstreamURL: "http://x:1", serverName: "db", mcpPath: "/mcp { }"), .invalidMCPPath),
            (NginxConfig(upstreamURL: "http://x:1", serverName: "db", fastcgiTimeoutMilliseconds: 0), .invalidLimit),
        ]
        for (config, code) in cases {
            let error = #expect(throws: NginxConfigError.self) { try config.serverInclude() }
            #expect(error?.code == code)
            #expect(error?.message.contains("`") == true)
        }
        let noPrefix = #expect(throws: NginxConfigError.self) { try Self.example.standaloneConfig() }
        #expect(noPrefix?.code == .invalidPrefix)
        var badListen = Self.example
        badListen.prefix = "/tmp/x"
        badListen.listen = "8080; daemon on"
        #expect(throws: NginxConfigError.self) { try badListen.standaloneConfig() }
    }

    @Test("the standalone config keeps pid, logs and temp files inside the prefix")
    func standaloneStaysInPrefix() throws {
        var config = Self.example
        config.prefix = "/srv/wicket-nginx"
        let text = try config.standaloneConfig()
        #expect(text.contains("pid /srv/wicket-nginx/nginx.pid;"))
        #expect(text.contains("client_body_temp_path /srv/wicket-nginx/client_body_temp;"))
        #expect(text.contains("daemon off;"))
        #expect(!text.contains("include fastcgi_params;"), "standalone must not depend on /etc/nginx")
        #expect(text.contains("fastcgi_param REMOTE_ADDR $remote_addr;"))
    }

    @Test(
        "nginx -t accepts the checked-in includes inside a minimal http and server block",
        .enabled(if: NginxHarness.nginxBinary != nil, "no nginx binary on this machine"))
    func checkedInIncludesParse() throws {
        let dir = "/tmp/wicket-nginx-t-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let params =
            (try? String(contentsOfFile: "/etc/nginx/fastcgi_params", encoding: .utf8))
            ?? "fastcgi_param REQUEST_METHOD $request_method;\n"
        try params.write(toFile: dir + "/fastcgi_params", atomically: true, encoding: .utf8)
        let nginxDir = Self.packageRoot.appendingPathComponent("nginx").path
        let conf = """
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log;
            events {}
            http {
                client_body_temp_path \(dir)/b; proxy_temp_path \(dir)/p; fastcgi_temp_path \(dir)/f;
                uwsgi_temp_path \(dir)/u; scgi_temp_path \(dir)/s;
                include \(nginxDir)/wicket-http.conf;
                server {
                    listen 127.0.0.1:1;
                    include \(nginxDir)/wicket-server.conf;
                }
            }
            """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NginxHarness.nginxBinary ?? "/usr/sbin/nginx")
        process.arguments = ["-t", "-q", "-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/error.log"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let log = (try? String(contentsOfFile: dir + "/error.log", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(message) \(log)")
    }
}
