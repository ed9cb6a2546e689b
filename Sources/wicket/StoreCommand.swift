import ArgumentParser
import Foundation
import WicketCore
import WicketStore

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on a tenant's store as a whole (SQLite files or a PostgreSQL database).",
        subcommands: [Migrate.self])

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a tenant's SQLite keys, credentials and audit into its PostgreSQL database and verify them; safe to re-run.")
        @OptionGroup var options: TenantOptions

        func run() throws {
            let config = try options.configOptions.load()
            guard let tenant = config.tenant(named: options.tenant) else {
                throw CLIError("the configuration names no tenant `\(options.tenant)`")
            }
            guard case .postgres(let settings) = tenant.store else {
                throw CLIError(
                    "tenant `\(options.tenant)` uses `store = \"sqlite\"`; set `store = \"postgres\"` and `postgres = \"…\"` for it first")
            }
            let report: StoreMigration.Report
            do {
                let database = try PGTenantDatabase(settings: settings, tenant: options.tenant, node: config.nodeName)
                defer { database.close() }
                report = try StoreMigration.run(sqliteDirectory: config.tenantDataDirectory(options.tenant), into: database)
            } catch {
                throw CLIError("cannot migrate tenant `\(options.tenant)`: \(error)")
            }
            print("migrated tenant \(options.tenant) to postgresql and verified:")
            print("  keys          \(report.keys)\tsha256 \(report.keysChecksum)")
            print("  credentials   \(report.credentials)\tsha256 \(report.credentialsChecksum)")
            print("  audit records \(report.auditRecords)\tsha256 \(report.auditChecksum)")
        }
    }
}
