import ArgumentParser
import Foundation
import WicketCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse and validate a tenant's policies, entities and schema (exit 0 clean, 1 parse error, 3 validation errors).")

    @Argument(help: "A policy folder (policies/, entities.json, schema.cedarschema) or a wicket.toml.")
    var path: String = "."

    func run() throws {
        let sources: [PolicySources]
        do { sources = try PolicySources.resolve(path) } catch { throw CLIError("\(error)") }
        var exit: Int32 = 0
        for source in sources {
            let report = PolicyCheck.run(source)
            for line in report.lines { print(line) }
            exit = max(exit, report.exitCode)
        }
        if exit != 0 { throw ExitCode(exit) }
    }
}
