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
        static let configuration = CommandConfiguration(
            abstract: "List records, newest first: a table (the newest 50 unless --limit), or every match as JSON lines with --json.")
        @OptionGroup var options: TenantOptions
        @Option(
            help: "Only records at or after this: a duration back from now (30m, 1h, 7d) or an instant (2026-11-25T21:00:00Z, 2026-11-25).")
        var since: String?
        @Option(help: "Only records before this: a duration back from now (30m, 1h, 7d) or an instant (2026-11-25T22:00:00Z, 2026-11-26).")
        var until: String?
        @Option(help: "allow or deny.") var decision: String?
        @Option(help: "Only this member.") var member: String?
        @Option(help: "Only this agent.") var agent: String?
        @Option(help: "Only this tool.") var tool: String?
        @Option(help: "At most this many records (table default: 50; --json default: every match).") var limit: Int?
        @Flag(help: "JSON lines, for a SIEM: every matching record unless --limit is given.") var json = false

        static let tableDefault = 50

        func run() throws {
            var query = AuditQuery(member: member, agent: agent, tool: tool)
            query.since = try since.map(instant)
            query.until = try until.map(instant)
            if let decision {
                guard let parsed = AuditRecord.Decision(rawValue: decision) else { throw CLIError("--decision is `allow` or `deny`") }
                query.decision = parsed
            }
            if let limit, limit < 1 { throw CLIError("--limit must be at least 1") }
            let audit = try options.open().audit
            if json {
                try audit.each(query, limit: limit) { print(AuditPresentation.jsonLine($0)) }
                return
            }
            let shown = limit ?? Self.tableDefault
            var records: [AuditRecord] = []
            try audit.each(query, limit: shown + 1) { records.append($0) }
            let truncated = records.count > shown
            print(AuditPresentation.tableRows(Array(records.prefix(shown))))
            if truncated {
                FileHandle.standardError.write(
                    Data(
                        "showing the newest \(shown) matching records; more match (--limit N for more, --json for every one)\n".utf8))
            }
        }

        private func instant(_ text: String) throws -> Date {
            guard let date = AuditTimeBound.parse(text) else {
                throw CLIError("`\(text)` is neither a duration such as 30m, 1h or 7d nor an instant such as 2026-11-25T21:00:00Z")
            }
            return date
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
