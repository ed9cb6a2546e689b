import ArgumentParser
import Foundation
import WicketCore

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the policy unit tests kept beside the policies (tests/*.json); ends with `N passed, N failed`.")

    @Argument(help: "A policy folder (with tests/) or a wicket.toml.")
    var path: String = "."

    @Option(help: "The time zone the tests' times are read in (the tenant's).")
    var timeZone: String = "UTC"

    func run() throws {
        guard let zone = TimeZone(identifier: timeZone) else { throw CLIError("unknown time zone `\(timeZone)`") }
        let sources: [PolicySources]
        do { sources = try PolicySources.resolve(path) } catch { throw CLIError("\(error)") }
        var passed = 0, failed = 0
        for source in sources {
            let report = PolicyTestRunner.run(source, timeZone: zone)
            for line in report.lines { print(line) }
            passed += report.passed
            failed += report.failed
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
