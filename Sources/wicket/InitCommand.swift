import ArgumentParser
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
        print("created \(path)")
        print("next: wicket serve --config \(path)")
    }
}
