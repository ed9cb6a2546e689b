import ArgumentParser
import Cedar
import CedarTooling
import Foundation

struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "format",
        abstract: "Format Cedar policy files in place (comments kept), or list those that would change with --check.")

    @Flag(help: "Change nothing: list the files that are not formatted and exit 1 if there are any.")
    var check = false

    @Option(help: "The line width.")
    var width: Int = PolicyFormatter.defaultWidth

    @Argument(help: "Cedar policy files.")
    var files: [String]

    func run() throws {
        let outcome = PolicyFileFormatter.run(paths: files, check: check, width: width)
        for e in outcome.errors { FileHandle.standardError.write(Data("\(e)\n".utf8)) }
        if check && outcome.errors.isEmpty {
            for f in outcome.changed { print(f) }
        }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}
