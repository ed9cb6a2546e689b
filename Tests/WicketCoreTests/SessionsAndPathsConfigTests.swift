import Foundation
import Testing

@testable import WicketCore

@Suite struct SessionsAndPathsConfigTests {
    static let base = """
        [[tenant]]
        name = "acme"
        policies = "p"
        entities = "e.json"
        [[upstream]]
        name = "database"
        tenant = "acme"
        """

    @Test func sessionIdleTimeoutHasADayAsDefaultAndSaneBounds() throws {
        #expect(try WicketConfig.parse(Self.base, baseDirectory: "/").sessionIdleTimeout == 86_400)
        #expect(try WicketConfig.parse("[server]\nsession_idle_timeout = 600\n" + Self.base, baseDirectory: "/").sessionIdleTimeout == 600)
        for bad in ["0", "119", "31536001", "\"1h\""] {
            #expect(throws: (any Error).self) {
                _ = try WicketConfig.parse("[server]\nsession_idle_timeout = \(bad)\n" + Self.base, baseDirectory: "/")
            }
        }
    }

    @Test func denyStyleIsPerUpstreamAndDefaultsToTheJSONRPCError() throws {
        #expect(try WicketConfig.parse(Self.base, baseDirectory: "/").upstream(named: "database")?.denyStyle == .jsonRPCError)
        let styled = try WicketConfig.parse(Self.base + "\ndeny_style = \"tool-result\"", baseDirectory: "/")
        #expect(styled.upstream(named: "database")?.denyStyle == .toolResult)
        let error = #expect(throws: ConfigError.self) {
            _ = try WicketConfig.parse(Self.base + "\ndeny_style = \"toolresult\"", baseDirectory: "/")
        }
        #expect(error?.message.contains("`jsonrpc-error` or `tool-result`") == true)
    }

    @Test func pathsResolveAgainstTheRealFolderOfTheConfigFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-paths-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configPath = try SetupInitializer.create(SetupInitializer.Options(directory: root + "/real"))
        #expect(configPath == root + "/real/wicket.toml")
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/real")
        let viaLink = try WicketConfig.load(path: root + "/link/wicket.toml")
        #expect(viaLink.socketPath == root + "/real/run/wicket.sock")
        #expect(viaLink.dataDirectory == root + "/real/data")
        #expect(viaLink.tenants.first?.policies == root + "/real/tenants/acme/policies")
        let dotted = try WicketConfig.load(path: root + "/link/../real/./wicket.toml")
        #expect(dotted.socketPath == root + "/real/run/wicket.sock")
        // A relative path is taken from the working directory, then made real and absolute.
        let cwd = FileManager.default.currentDirectoryPath
        let relative = ConfigLocation.realDirectory(ofFile: "wicket.toml")
        #expect(
            relative.hasPrefix("/")
                && relative
                    == (realpath(cwd, nil).map { p in
                        defer { free(p) }; return String(cString: p)
                    } ?? cwd)
        )
    }

    @Test func auditTimeBoundsAreDurationsOrInstants() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(AuditTimeBound.parse("1h", now: now) == now.addingTimeInterval(-3600))
        #expect(AuditTimeBound.parse("2026-11-25T21:49:00Z") == Date(timeIntervalSince1970: 1_795_643_340))
        #expect(AuditTimeBound.parse("2026-11-25T22:49:00+01:00") == Date(timeIntervalSince1970: 1_795_643_340))
        #expect(AuditTimeBound.parse("2026-11-25T21:49:00.250Z") == Date(timeIntervalSince1970: 1_795_643_340.25))
        #expect(AuditTimeBound.parse("2026-11-25") == Date(timeIntervalSince1970: 1_795_564_800))
        for bad in ["", "yesterday", "25/11/2026", "1w"] { #expect(AuditTimeBound.parse(bad) == nil) }
    }
}
