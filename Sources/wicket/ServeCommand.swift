import ArgumentParser
import Foundation
import Logging
import WicketCore
import WicketFastCGI

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the FastCGI backend nginx asks before every MCP message.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The Unix socket to listen on (overrides `server.socket`).")
    var socket: String?

    func run() throws {
        // Before any thread exists, so every thread Wicket starts inherits the mask.
        SignalWatcher.blockControlSignalsInCurrentThread()
        let config = try options.load()
        let logger = LogSetup.bootstrap(level: config.logLevel)
        var clock = RequestClock.system
        // For end-to-end tests of time-window policies only: a fixed instant, loudly logged.
        if let fake = ProcessInfo.processInfo.environment["WICKET_FAKE_NOW"], !fake.isEmpty {
            guard let fixed = RequestClock.fixed(iso8601: fake) else { throw CLIError("WICKET_FAKE_NOW `\(fake)` is not an ISO 8601 instant") }
            logger.warning("the clock is fixed by WICKET_FAKE_NOW; never do this in production", metadata: ["wicket.now": "\(fake)"])
            clock = fixed
        }
        do {
            let metrics = WicketMetrics.bootstrapPrometheus()
            let gateway = try Gateway(config: config, socketPath: socket, clock: clock, logger: logger, metrics: metrics)
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
    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
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
