import Foundation
import Testing

@testable import WicketCore

@Suite struct TOMLParserTests {
    @Test func parsesTablesArraysAndInlineTables() throws {
        let doc = try TOMLParser.parse(
            """
            # comment
            [server]
            socket = "run/w.sock" # trailing comment
            threads = 1_0
            flags = [true, false,
                     true]
            [[tenant]]
            name = 'acme'
            [[tenant]]
            name = "beta"
            [[upstream]]
            resources = { delete_records = "table", "odd key" = "x" }
            """)
        guard case .table(let server)? = doc["server"] else { Issue.record("no server table"); return }
        #expect(server["socket"] == .string("run/w.sock"))
        #expect(server["threads"] == .integer(10))
        #expect(server["flags"] == .array([.bool(true), .bool(false), .bool(true)]))
        guard case .array(let tenants)? = doc["tenant"] else { Issue.record("no tenants"); return }
        #expect(tenants == [.table(["name": .string("acme")]), .table(["name": .string("beta")])])
        guard case .array(let upstreams)? = doc["upstream"], case .table(let first)? = upstreams.first,
            case .table(let resources)? = first["resources"]
        else { Issue.record("no resources"); return }
        #expect(resources["odd key"] == .string("x"))
    }

    @Test(arguments: [
        ("a = 1\na = 2", "set twice"),
        // Canonically equivalent keys (NFC against NFD) are one key to a reader: refused, so a table such
        // as an upstream's `resources` never holds two entries that a byte-exact lookup would tell apart.
        ("\"caf\u{E9}\" = 1\n\"cafe\u{301}\" = 2", "set twice"),
        ("a = \"open", "not closed"),
        ("a = 1.5", "not an integer"),
        ("[t]\n[t]", "defined twice"),
        ("a = \"\"\"x\"\"\"", "multi-line"),
        ("a = 1 b", "after a value"),
    ])
    func refusesWhatItDoesNotUnderstand(text: String, expected: String) {
        #expect {
            _ = try TOMLParser.parse(text)
        } throws: { error in
            (error as? TOMLError)?.message.contains(expected) == true
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = "a = " + String(repeating: "[", count: 10_000)
        #expect(throws: TOMLError.self) { _ = try TOMLParser.parse(text) }
    }
}

@Suite struct WicketConfigTests {
    @Test func initWritesAConfigThatLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-config-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = SetupInitializer.Options(directory: dir)
        options.trustedProxies = ["127.0.0.1/32"]
        let path = try SetupInitializer.create(options)
        let config = try WicketConfig.load(path: path)
        #expect(config.socketMode == 0o660)
        #expect(config.socketPath == dir + "/run/wicket.sock")
        #expect(config.tenants.map(\.name) == ["acme"])
        #expect(config.upstream(named: "database")?.resourceArguments["delete_records"] == "table")
        #expect(config.trustedProxies == ["127.0.0.1/32"])
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        #expect(
            try String(contentsOfFile: dir + "/tenants/acme/schema.cedarschema", encoding: .utf8)
                == String(contentsOf: repo.appendingPathComponent("policies/acme/schema.cedarschema"), encoding: .utf8))
        #expect(throws: (any Error).self) { try SetupInitializer.create(options) }
    }

    @Test func unknownKeysAndDanglingTenantsAreErrors() {
        let base = """
            [[tenant]]
            name = "acme"
            policies = "p"
            entities = "e.json"
            """
        #expect(throws: (any Error).self) { _ = try WicketConfig.parse(base + "\ncolour = \"blue\"", baseDirectory: "/") }
        #expect(throws: (any Error).self) {
            _ = try WicketConfig.parse(base + "\n[[upstream]]\nname = \"db\"\ntenant = \"other\"", baseDirectory: "/")
        }
        #expect(throws: (any Error).self) {
            _ = try WicketConfig.parse(base.replacingOccurrences(of: "acme", with: "Acme!"), baseDirectory: "/")
        }
        #expect(throws: (any Error).self) { _ = try WicketConfig.parse(base + "\n[server]\nsocket_mode = \"999\"", baseDirectory: "/") }
        #expect(throws: Never.self) { _ = try WicketConfig.parse(base, baseDirectory: "/") }
    }

    /// `log_level` and `audit_sync` are typed when read: a word Wicket does not know is an error that
    /// lists the accepted ones, never a quiet fallback to the default.
    @Test(arguments: [
        ("log_level = \"verbose\"", "`server.log_level` must be one of `trace`"),
        ("audit_sync = \"off\"", "`server.audit_sync` must be one of `full`, `normal`, not `off`"),
    ])
    func badSettingWordsAreErrors(line: String, expected: String) throws {
        let base = "[[tenant]]\nname = \"acme\"\npolicies = \"p\"\nentities = \"e.json\"\n[server]\n"
        #expect {
            _ = try WicketConfig.parse(base + line, baseDirectory: "/")
        } throws: { error in
            (error as? ConfigError)?.message.contains(expected) == true
        }
        let good = try WicketConfig.parse(base + "log_level = \"debug\"\naudit_sync = \"normal\"", baseDirectory: "/")
        #expect(good.logLevel == .debug && good.auditSync == .normal)
    }

    /// Config errors carry a stable code beside the sentence, as store errors do.
    @Test func configErrorsCarryACode() {
        #expect {
            _ = try WicketConfig.load(path: "/nonexistent/wicket-\(UUID().uuidString).toml")
        } throws: { error in
            (error as? ConfigError)?.code == .configUnreadable
        }
        #expect {
            _ = try WicketConfig.parse("[server]\nthreads = 0", baseDirectory: "/")
        } throws: { error in
            (error as? ConfigError)?.code == .configInvalid && (error as? CodedError)?.code == .configInvalid
        }
    }

    @Test func embeddedExampleMatchesTheRepository() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for file in ExampleFiles.tenant {
            let onDisk = try String(contentsOf: repo.appendingPathComponent("policies/acme/\(file.path)"), encoding: .utf8)
            #expect(onDisk == file.contents, "run scripts/embed-example.py: \(file.path) differs")
        }
    }
}

@Suite struct RequestContextPartsTests {
    @Test func requestTimeIsInTheTenantZone() throws {
        // 2026-04-16T03:04:18Z was a Thursday.
        let instant = Date(timeIntervalSince1970: 1_776_308_658.25)
        let utc = RequestTime(date: instant, timeZone: try #require(TimeZone(identifier: "UTC")))
        #expect(utc.hour == 3 && utc.minute == 4 && utc.weekday == 4 && utc.date == "2026-04-16")
        #expect(utc.nowLiteral == "2026-04-16T03:04:18.250Z")
        let tokyo = RequestTime(date: instant, timeZone: try #require(TimeZone(identifier: "Asia/Tokyo")))
        #expect(tokyo.hour == 12 && tokyo.weekday == 4)
        let la = RequestTime(date: instant, timeZone: try #require(TimeZone(identifier: "America/Los_Angeles")))
        #expect(la.hour == 20 && la.weekday == 3 && la.date == "2026-04-15")
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() throws {
        let none = try ClientAddressResolver(trustedProxies: [])
        #expect(none.resolve(remoteAddress: "127.0.0.1", forwardedFor: "203.0.113.42") == "127.0.0.1")
        let loopback = try ClientAddressResolver(trustedProxies: ["127.0.0.0/8", "10.0.0.0/8"])
        #expect(loopback.resolve(remoteAddress: "127.0.0.1", forwardedFor: "203.0.113.42") == "203.0.113.42")
        #expect(loopback.resolve(remoteAddress: "127.0.0.1", forwardedFor: "198.51.100.7, 203.0.113.42, 10.1.2.3") == "203.0.113.42")
        #expect(loopback.resolve(remoteAddress: "192.0.2.1", forwardedFor: "203.0.113.42") == "192.0.2.1")
        #expect(loopback.resolve(remoteAddress: "127.0.0.1", forwardedFor: "not-an-ip") == "127.0.0.1")
        #expect(loopback.resolve(remoteAddress: "::ffff:127.0.0.1", forwardedFor: "2001:db8::1") == "2001:db8::1")
        #expect(throws: ConfigError.self) { _ = try ClientAddressResolver(trustedProxies: ["10.0.0.0/33"]) }
    }
}
