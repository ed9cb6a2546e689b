import Cedar
import Foundation
import WicketJSON

/// `wicket test`: policy unit tests kept beside the policies (`tests/*.json`). Each test describes an
/// MCP call the way Wicket sees it — member, agent, method, tool, mapped resource, time, address, geo —
/// and is evaluated through the same mapping and context the live pipeline builds, so a passing test
/// means Wicket decides the same way in production.
///
///     { "server": "database", "namespace": "ServiceMCP",
///       "tests": [ { "name": "no deletes at 3am", "member": "alex@company.com", "agent": "maintenance-agent",
///                    "tool": "delete_records", "resource": "prod.customer_records",
///                    "time": "2026-04-16T03:04:18Z", "source_ip": "203.0.113.42",
///                    "geo": { "country": "US", "region": "VA", "city": "Ashburn" },
///                    "expect": "deny", "determining": ["release-window block"] } ] }
public enum PolicyTestRunner {
    public struct Report: Sendable {
        public var lines: [String] = []
        public var passed = 0
        public var failed = 0
    }

    public struct TestFileError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(_ sources: PolicySources, timeZone: TimeZone = .gmt) -> Report {
        var report = Report()
        guard let folder = sources.tests else {
            report.lines.append("\(sources.name): no tests folder")
            return report
        }
        let snapshotPolicies: PolicySet
        let members: [Entity]
        do {
            snapshotPolicies = try PolicyLoader.loadPolicies(at: sources.policies)
            members = try sources.entities.map { (path) throws in try PolicyLoader.loadEntities(at: path) } ?? []
        } catch {
            report.lines.append("error: \(error)")
            report.failed += 1
            return report
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
        for file in files {
            do {
                let suite = try TestSuiteFile.load(file)
                let mapping = CedarMapping(namespace: suite.namespace, serverName: suite.server)
                let entities = try NamespacedEntities.place(members, in: suite.namespace)
                for test in suite.tests {
                    let outcome = evaluate(test, mapping: mapping, policies: snapshotPolicies, entities: entities, timeZone: timeZone)
                    if let problem = outcome {
                        report.failed += 1
                        report.lines.append("FAIL \((file as NSString).lastPathComponent): \(test.name): \(problem)")
                    } else {
                        report.passed += 1
                        report.lines.append("ok   \((file as NSString).lastPathComponent): \(test.name)")
                    }
                }
            } catch {
                report.failed += 1
                report.lines.append("FAIL \(file): \(error)")
            }
        }
        return report
    }

    /// nil when the test passes, else what differed.
    static func evaluate(
        _ test: PolicyTestCase, mapping: CedarMapping, policies: PolicySet, entities: Entities,
        timeZone: TimeZone
    ) -> String? {
        let facts = MessageFacts(method: test.method, target: test.target, mappedResource: test.resource)
        let context = ContextFacts(
            time: RequestTime(date: test.time, timeZone: timeZone), sourceIP: test.sourceIP,
            geo: (test.geo["country"], test.geo["region"], test.geo["city"]),
            agent: test.agent, session: test.session, server: mapping.serverName, method: test.method)
        guard case .record(let record)? = context.cedarContext() else { return "`\(test.sourceIP)` is not an IP address" }
        let (action, resource, extra) = mapping.resolve(facts)
        let request = Request(principal: mapping.principal(member: test.member), action: action, resource: resource, context: record)
        let response = Authorizer.isAuthorized(request, policies: policies, entities: LayeredEntityStore(base: entities, overlay: extra))
        // Wicket's rule: an evaluation error denies.
        let decision = response.decision == .allow && response.errors.isEmpty ? "allow" : "deny"
        var problems: [String] = []
        if decision != test.expect {
            let why =
                response.errors.isEmpty
                ? response.reasons.sorted().joined(separator: ", ")
                : response.errors.map { "`\($0.policyID)` errored: \($0.error.message)" }.joined(separator: "; ")
            problems.append("expected \(test.expect), got \(decision)" + (why.isEmpty ? " (no policy applied)" : " (\(why))"))
        }
        if let expected = test.determining, Set(expected) != Set(response.reasons) {
            problems.append(
                "expected determining policies [\(expected.sorted().joined(separator: ", "))], got [\(response.reasons.sorted().joined(separator: ", "))]"
            )
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}

struct PolicyTestCase {
    var name: String
    var member: String
    var agent: String
    var method: String
    var target: MessageFacts.Target
    var resource: String?
    var time: Date
    var sourceIP: String
    var geo: [String: String]
    var session: String?
    var expect: String
    var determining: [String]?
}

struct TestSuiteFile {
    var server: String
    var namespace: String
    var tests: [PolicyTestCase]

    static func load(_ path: String) throws -> TestSuiteFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyTestRunner.TestFileError(description: "cannot be read")
        }
        let parsed: JSONValue
        do { parsed = try JSONParser(limits: .documents).parse(Array(data)) } catch {
            throw PolicyTestRunner.TestFileError(description: "not strict JSON: \(error.message)")
        }
        guard let root = parsed.objectValue else { throw PolicyTestRunner.TestFileError(description: "not a JSON object") }
        let fields = Fields(object: root, owner: nil)
        let server = try fields.string("server") ?? "database"
        let namespace = try fields.string("namespace") ?? "ServiceMCP"
        guard let items = root["tests"]?.arrayValue else {
            throw PolicyTestRunner.TestFileError(description: "`tests` must be a list of test objects")
        }
        let iso = ISO8601DateFormatter()
        var tests: [PolicyTestCase] = []
        for (index, value) in items.enumerated() {
            guard let item = value.objectValue else {
                throw PolicyTestRunner.TestFileError(description: "test \(index + 1): `tests` must be a list of test objects")
            }
            let name = try Fields(object: item, owner: "test \(index + 1)").string("name") ?? "test \(index + 1)"
            let fields = Fields(object: item, owner: name)
            guard let member = try fields.string("member") else {
                throw PolicyTestRunner.TestFileError(description: "\(name): `member` is required")
            }
            guard let expect = try fields.string("expect"), expect == "allow" || expect == "deny" else {
                throw PolicyTestRunner.TestFileError(description: "\(name): `expect` must be `allow` or `deny`")
            }
            let timeText = try fields.string("time") ?? "2026-01-05T12:00:00Z"
            guard let time = iso.date(from: timeText) else {
                throw PolicyTestRunner.TestFileError(description: "\(name): `time` `\(timeText)` is not ISO 8601 (2026-04-16T03:04:18Z)")
            }
            let tool = try fields.string("tool")
            let method = try fields.string("method") ?? (tool != nil ? "tools/call" : "tools/list")
            var target = MessageFacts.Target.none
            if let tool {
                target = .tool(tool)
            } else if let uri = try fields.string("uri") {
                target = .resource(uri)
            } else if let prompt = try fields.string("prompt") {
                target = .prompt(prompt)
            }
            tests.append(
                PolicyTestCase(
                    name: name, member: member, agent: try fields.string("agent") ?? "test-agent", method: method, target: target,
                    resource: try fields.string("resource"), time: time, sourceIP: try fields.string("source_ip") ?? "127.0.0.1",
                    geo: try fields.strings(in: "geo") ?? [:], session: try fields.string("session"), expect: expect,
                    determining: try fields.stringList("determining")))
        }
        return TestSuiteFile(server: server, namespace: namespace, tests: tests)
    }

    /// Typed reads of a test file's fields: absent is nil, present with another type is an error
    /// (a misspelled value must not silently become the default).
    private struct Fields {
        let object: JSONObject
        let owner: String?

        func string(_ key: String) throws -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value.stringValue else { throw wrong(key, "a string") }
            return text
        }

        func strings(in key: String) throws -> [String: String]? {
            guard let value = object[key] else { return nil }
            guard let inner = value.objectValue else { throw wrong(key, "an object of strings") }
            var out: [String: String] = [:]
            for (name, field) in inner {
                guard let text = field.stringValue else { throw wrong(key, "an object of strings") }
                out[name] = text
            }
            return out
        }

        func stringList(_ key: String) throws -> [String]? {
            guard let value = object[key] else { return nil }
            guard let items = value.arrayValue else { throw wrong(key, "a list of strings") }
            var out: [String] = []
            for item in items {
                guard let text = item.stringValue else { throw wrong(key, "a list of strings") }
                out.append(text)
            }
            return out
        }

        private func wrong(_ key: String, _ type: String) -> PolicyTestRunner.TestFileError {
            PolicyTestRunner.TestFileError(description: (owner.map { "\($0): " } ?? "") + "`\(key)` must be \(type)")
        }
    }
}
