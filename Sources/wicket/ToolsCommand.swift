import ArgumentParser
import Foundation
import WicketCore

struct ToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "Compare an upstream's live tool definitions with the reviewed ones in git, and approve them.",
        subcommands: [Diff.self, Approve.self])

    /// Which upstream, and as whom to ask it.
    struct Target: ParsableArguments {
        @OptionGroup var options: TenantOptions
        @Option(help: "The upstream server's name.") var server: String
        @Option(help: "Ask the upstream as this member, with their stored upstream credential (default: no credential).")
        var member: String?

        func resolve() throws -> (WicketConfig, String?) {
            let config = try options.configOptions.load()
            guard let upstream = config.upstream(named: server), upstream.tenant == options.tenant else {
                throw CLIError("tenant `\(options.tenant)` has no upstream `\(server)`")
            }
            guard let member else { return (config, nil) }
            let stores = try options.open()
            guard let secret = try stores.credentials.reveal(member: member, server: server), let text = secret.utf8String() else {
                throw CLIError("no upstream credential is stored for `\(member)` on `\(server)`; store one with `wicket creds set`")
            }
            let schemes = ["bearer ", "basic ", "token "]
            return (config, schemes.contains(where: { text.lowercased().hasPrefix($0) }) ? text : "Bearer " + text)
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the live tools/list and print how it differs from the reviewed file (exit 1 when it does).")
        @OptionGroup var target: Target

        func run() throws {
            let (config, authorization) = try target.resolve()
            let result: (text: String, differs: Bool)
            do { result = try LiveTools.diff(config: config, server: target.server, authorization: authorization) } catch {
                throw CLIError(error.description)
            }
            print(result.text, terminator: "")
            if result.differs { throw ExitCode(1) }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the live tools/list as the reviewed file and regenerate the tenant's schema with it (commit both).")
        @OptionGroup var target: Target

        func run() throws {
            let (config, authorization) = try target.resolve()
            let written: [String]
            do { written = try LiveTools.approve(config: config, server: target.server, authorization: authorization) } catch {
                throw CLIError(error.description)
            }
            for path in written { print("wrote \(path)") }
            print("commit these files; a running `wicket serve` reads the reviewed file when it changes and the schema on reload")
        }
    }
}
