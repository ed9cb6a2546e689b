import Foundation
import Testing
import WicketStore

@testable import WicketCore

@Suite struct StoreConfigTests {
    static func config(_ tenantExtra: String, server: String = "") throws -> WicketConfig {
        try WicketConfig.parse(
            """
            [server]
            \(server)
            [[tenant]]
            name = "acme"
            policies = "p"
            entities = "e.json"
            \(tenantExtra)
            """, baseDirectory: "/srv/wicket")
    }

    @Test func sqliteIsTheDefaultAndTheNodeIsNamedAfterTheHost() throws {
        let config = try Self.config("")
        guard case .sqlite = config.tenants[0].store else { Issue.record("not sqlite"); return }
        #expect(config.nodeName == ProcessInfo.processInfo.hostName)
    }

    @Test func postgresTenantReadsItsConnectionAndPool() throws {
        let config = try Self.config(
            """
            store = "postgres"
            postgres = "host=db1 dbname=wicket_acme user=wicket_acme"
            postgres_sslmode = "verify-full"
            postgres_sslrootcert = "ca.pem"
            postgres_pool = 3
            """, server: #"node_name = "edge-1""#)
        guard case .postgres(let settings) = config.tenants[0].store else { Issue.record("not postgres"); return }
        #expect(settings.conninfo == "host=db1 dbname=wicket_acme user=wicket_acme")
        #expect(settings.sslMode == "verify-full")
        #expect(settings.sslRootCert == "/srv/wicket/ca.pem")
        #expect(settings.poolSize == 3)
        #expect(settings.password == nil)
        #expect(config.nodeName == "edge-1")
    }

    @Test(arguments: [
        (#"store = "postgres""#, "needs `postgres`"),
        (#"store = "mysql""#, "must be `sqlite` or `postgres`"),
        (#"postgres = "host=db1""#, "needs `store = \"postgres\"`"),
        ("store = \"postgres\"\npostgres = \"host=db1\"\npostgres_pool = 0", "between 1 and 64"),
    ])
    func refusesIncompleteStoreSettings(extra: String, expected: String) {
        do {
            _ = try Self.config(extra)
            Issue.record("accepted `\(extra)`")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func refusesANodeNameWithSpaces() {
        #expect(throws: (any Error).self) { try Self.config("", server: #"node_name = "edge 1""#) }
    }

    @Test func passwordFileMustBePrivate() throws {
        let path = NSTemporaryDirectory() + "wicket-pgpass-\(UInt32.random(in: 0 ... .max))"
        defer { unlink(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(throws: StoreError.self) { try PGSettings.readPassword(file: path) }
        chmod(path, 0o600)
        #expect(try PGSettings.readPassword(file: path) == "s3cret")
    }
}
