import ArgumentParser
import Foundation
import WicketCore

struct NginxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nginx",
        abstract: "Print the nginx include for an upstream MCP server, or a complete nginx.conf with --standalone.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The address nginx listens on (standalone), e.g. 127.0.0.1:8080.")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "The MCP server's URL (default: the upstream's `url` in the configuration).")
    var upstream: String?

    @Option(help: "The upstream's name in the configuration (nginx sends it as WICKET_SERVER).")
    var server: String

    @Option(help: "The public path of the MCP endpoint.")
    var path: String = "/mcp"

    @Option(help: "With --standalone: the nginx prefix folder for pid, logs and temp files.")
    var prefix: String?

    @Flag(help: "Print a complete nginx.conf that runs with `nginx -p PREFIX -c FILE`.")
    var standalone = false

    @Flag(help: "Print only the http{} include (wicket-http.conf).")
    var httpPart = false

    @Flag(help: "With --standalone: let nginx daemonize (default: stay in the foreground).")
    var daemon = false

    @Option(help: "With --standalone: the user nginx workers run as (default: root when started as root, so they reach the socket).")
    var user: String?

    @Option(help: "The path Prometheus scrapes Wicket's metrics on (loopback only); `none` leaves it out.")
    var metricsPath: String = "/wicket/metrics"

    @Option(help: "nginx fastcgi timeout in milliseconds: past it nginx answers 503.")
    var timeoutMs: Int = 5000

    @Option(help: "With --standalone: seconds old workers keep open streams after a reload (worker_shutdown_timeout).")
    var shutdownTimeout: Int = 10

    func run() throws {
        let config = try options.load()
        guard let entry = config.upstream(named: server) else {
            throw CLIError("the configuration names no upstream `\(server)`")
        }
        let upstreamURL = upstream ?? entry.url
        guard !upstreamURL.isEmpty else { throw CLIError("give --upstream URL or set `url` for upstream `\(server)`") }
        let prefixDir =
            prefix
            ?? ((config.socketPath as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("nginx")
        var nginx = NginxConfig(listen: listen, upstreamURL: upstreamURL, serverName: server, socketPath: config.socketPath)
        nginx.prefix = (prefixDir as NSString).standardizingPath
        nginx.mcpPath = path
        nginx.metricsPath = metricsPath == "none" ? nil : metricsPath
        nginx.clientMaxBodyBytes = config.maxBodyBytes
        nginx.fastcgiTimeoutMilliseconds = timeoutMs
        nginx.foreground = !daemon
        nginx.workerShutdownTimeoutSeconds = shutdownTimeout
        nginx.user = user ?? (geteuid() == 0 ? "root" : nil)
        do {
            if standalone {
                try FileManager.default.createDirectory(atPath: prefixDir, withIntermediateDirectories: true)
                print(try nginx.standaloneConfig(), terminator: "")
            } else if httpPart {
                print(try nginx.httpInclude(), terminator: "")
            } else {
                print(try nginx.serverInclude(), terminator: "")
            }
        } catch {
            throw CLIError("\(error)")
        }
    }
}
