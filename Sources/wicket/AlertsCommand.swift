import ArgumentParser
import Foundation
import WicketCore
import WicketJSON
import WicketStore

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Send a sample alert to a configured alert name, or list a tenant's alert outbox.",
        subcommands: [Test.self, List.self])

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Send a sample alert (record id 0) to every sink configured under NAME, now.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The alert name, as in @alert(\"NAME\").")
        var name: String

        func run() throws {
            let config = try options.load()
            let outcomes: [(sink: String, error: String?)]
            do {
                outcomes = try AlertDispatcher.sendSample(name: name, config: config.alerts, tenant: config.tenants.first?.name ?? "sample")
            } catch {
                throw CLIError("cannot send a sample of alert `\(name)`: \(error)")
            }
            var failed = 0
            for outcome in outcomes {
                if let error = outcome.error {
                    failed += 1
                    print("\(name) \(outcome.sink): failed: \(error)")
                } else {
                    print("\(name) \(outcome.sink): delivered")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show a tenant's alert outbox: each alert's record, state, attempts and last error.")

        @OptionGroup var tenant: TenantOptions

        @Flag(help: "One JSON object per line.")
        var json = false

        func run() throws {
            let stores = try tenant.open()
            let entries: [OutboxEntry]
            do { entries = try stores.audit.outbox() } catch {
                throw CLIError("cannot read the alert outbox: \(error)")
            }
            for entry in entries {
                if json {
                    var fields: [(String, JSONValue)] = [
                        ("id", .number(JSONNumber(entry.id))), ("record_id", .number(JSONNumber(entry.recordID))),
                        ("alert", .string(entry.alert)), ("state", .string(entry.state)),
                        ("attempts", .number(JSONNumber(Int64(entry.attempts)))),
                        ("delivered_sinks", .array(entry.deliveredSinks.map(JSONValue.string))),
                    ]
                    if let error = entry.lastError { fields.append(("last_error", .string(error))) }
                    // Keys in sorted order, one object per line.
                    let members = fields.sorted { $0.0 < $1.0 }.map { JSONObject.Member(key: $0.0, value: $0.1) }
                    print(JSONValue.object(JSONObject(members: members)).text)
                } else {
                    print(
                        "\(entry.id)  record \(entry.recordID)  \(entry.alert)  \(entry.state)  attempts \(entry.attempts)"
                            + (entry.lastError.map { "  \($0)" } ?? ""))
                }
            }
        }
    }
}
