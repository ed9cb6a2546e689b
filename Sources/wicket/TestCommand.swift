import ArgumentParser
import Foundation
import WicketCore

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the policy unit tests kept beside the policies (tests/*.json); ends with `N passed, N failed`.")

    @Argument(help: "A policy folder (with tests/) or a wicket.toml.")
    var path: String = "."

    @Option(help: "The time zone the tests' times are read in (default: the tenant's in a wicket.toml, else UTC).")
    var timeZone: String?

    func run() throws {
        let sources: [PolicySources]
        do { sources = try PolicySources.resolve(path) } catch { throw CLIError("\(error)") }
        var passed = 0
        var failed = 0
        for source in sources {
            let name = timeZone ?? source.timeZone ?? "UTC"
            guard let zone = TimeZone(identifier: name) else { throw CLIError("unknown time zone `\(name)`") }
            let report = PolicyTestRunner.run(source, timeZone: zone)
            for line in report.lines { print(line) }
            passed += report.passed
            failed += report.failed
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
