import ArgumentParser
import WicketCore

/// `--config FILE`, shared by every subcommand that works on a running setup.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The Wicket configuration file.")
    var config: String = "wicket.toml"

    func load() throws -> WicketConfig {
        do {
            return try WicketConfig.load(path: config)
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// A failure the user can act on; printed as one line, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
