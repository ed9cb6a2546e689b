import ArgumentParser
import Foundation
import WicketCore
import WicketStore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read a tenant's audit: who, what, when, why.",
        subcommands: [List.self, Show.self, Prune.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List records, newest first (a table, or JSON lines with --json).")
        @OptionGroup var options: TenantOptions
        @Option(help: "Only records newer than this (30m, 1h, 7d).") var since: String?
        @Option(help: "Only records older than this (30m, 1h, 7d).") var until: String?
        @Option(help: "allow or deny.") var decision: String?
        @Option(help: "Only this member.") var member: String?
        @Option(help: "Only this agent.") var agent: String?
        @Option(help: "Only this tool.") var tool: String?
        @Option(help: "At most this many records.") var limit: Int = 50
        @Flag(help: "JSON lines, for a SIEM.") var json = false

        func run() throws {
            var query = AuditQuery(member: member, agent: agent, tool: tool, limit: limit)
            if let since { query.since = Date(timeIntervalSinceNow: -(try seconds(since))) }
            if let until { query.until = Date(timeIntervalSinceNow: -(try seconds(until))) }
            if let decision {
                guard let parsed = AuditRecord.Decision(rawValue: decision) else { throw CLIError("--decision is `allow` or `deny`") }
                query.decision = parsed
            }
            guard (1...100_000).contains(limit) else { throw CLIError("--limit must be between 1 and 100000") }
            let records = try options.open().audit.query(query)
            if json {
                for record in records { print(AuditPresentation.jsonLine(record)) }
            } else {
                print(AuditPresentation.tableRows(records))
            }
        }

        private func seconds(_ text: String) throws -> TimeInterval {
            guard let value = DurationText.seconds(text) else { throw CLIError("`\(text)` is not a duration such as 30m, 1h or 7d") }
            return value
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one record's Who / What / When / Why card.")
        @OptionGroup var options: TenantOptions
        @Argument(help: "The record id (first column of `wicket audit`).") var id: Int64
        @Flag(help: "The record as JSON.") var json = false

        func run() throws {
            guard let record = try options.open().audit.record(id: id) else {
                throw CLIError("tenant `\(options.tenant)` has no audit record \(id)")
            }
            print(json ? AuditPresentation.jsonLine(record) : AuditPresentation.cardText(record))
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete records older than a retention period.")
        @OptionGroup var options: TenantOptions
        @Option(help: "Retention, e.g. 90d.") var olderThan: String

        func run() throws {
            guard let seconds = DurationText.seconds(olderThan), seconds > 0 else {
                throw CLIError("`\(olderThan)` is not a duration such as 90d")
            }
            let removed = try options.open().audit.prune(olderThan: Date(timeIntervalSinceNow: -seconds))
            print("pruned \(removed) record(s) older than \(olderThan)")
        }
    }
}
