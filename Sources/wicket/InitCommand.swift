import ArgumentParser
import Foundation
import WicketCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a complete working setup: config, an example tenant, policies, entities, schema.")

    @Argument(help: "The folder to create the setup in.")
    var directory: String

    @Option(help: "The upstream MCP server's URL.")
    var upstream: String = "http://127.0.0.1:9000/mcp"

    @Option(help: "The upstream server's name (nginx sends it as WICKET_SERVER).")
    var server: String = "database"

    @Option(help: "A MaxMind City database for context.geo.")
    var geoip: String?

    @Option(help: "The group nginx runs as, given to the socket.")
    var socketGroup: String?

    @Option(help: "A proxy (CIDR) whose X-Forwarded-For is believed; repeatable.")
    var trustedProxy: [String] = []

    @Option(help: "The FastCGI socket (`server.socket`), e.g. /run/wicket/wicket.sock.")
    var socket: String = "run/wicket.sock"

    @Option(help: "Where keys, sealed credentials and the audit go (`server.data_dir`), e.g. /var/lib/wicket.")
    var dataDir: String = "data"

    func run() throws {
        var options = SetupInitializer.Options(directory: directory)
        options.upstreamURL = upstream
        options.serverName = server
        options.geoDatabase = geoip
        options.socketGroup = socketGroup
        options.trustedProxies = trustedProxy
        options.socketPath = socket
        options.dataDirectory = dataDir
        let path = try SetupInitializer.create(options)
        let wicket = Self.invokedAs()
        let config = Self.shellQuoted(path)
        print("created \(path)")
        print("next (these work from any directory):")
        print("  \(wicket) serve --config \(config)")
        print("  \(wicket) keys issue --config \(config) --tenant acme --member alex@company.com --agent maintenance-agent")
        print("  \(wicket) nginx --config \(config) --server \(Self.shellQuoted(server)) --http-part   # once in http { }")
        print("  \(wicket) nginx --config \(config) --server \(Self.shellQuoted(server))               # inside your server { }")
    }

    /// How to run this same binary from anywhere: `wicket` when it was found on PATH, else its
    /// absolute path.
    static func invokedAs() -> String {
        let argv0 = CommandLine.arguments.first ?? "wicket"
        guard argv0.contains("/") else { return "wicket" }
        let absolute =
            argv0.hasPrefix("/")
            ? argv0
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(argv0)
        return shellQuoted((absolute as NSString).standardizingPath)
    }

    /// `text` as one shell word (single-quoted when it holds anything but safe characters).
    static func shellQuoted(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-@:+=,".unicodeScalars.contains($0) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
