import ArgumentParser
import Foundation
import Logging
import WicketCore
import WicketServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the FastCGI backend nginx asks before every MCP message.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The Unix socket to listen on (overrides `server.socket`).")
    var socket: String?

    func run() throws {
        // Before any thread exists, so every thread Wicket starts inherits the mask.
        Gateway.blockControlSignalsInCurrentThread()
        let config = try options.load()
        let logger = LogSetup.bootstrap(level: config.logLevel)
        do {
            let metrics = WicketMetrics.bootstrapPrometheus()
            let gateway = try Gateway(config: config, socketPath: socket, logger: logger, metrics: metrics)
            try gateway.run()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot serve: \(error)")
        }
    }
}

enum LogSetup {
    /// Logs go to stderr, one line each; the level comes from the configuration.
    static func bootstrap(level parsed: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
        var logger = Logger(label: "wicket")
        logger.logLevel = parsed
        return logger
    }
}
