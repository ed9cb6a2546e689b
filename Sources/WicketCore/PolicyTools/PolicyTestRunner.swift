import Cedar
import Foundation

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
    static func evaluate(_ test: PolicyTestCase, mapping: CedarMapping, policies: PolicySet, entities: Entities,
                         timeZone: TimeZone) -> String? {
        let facts = MessageFacts(method: test.method, target: test.target, mappedResource: test.resource)
        let context = ContextFacts(time: RequestTime(date: test.time, timeZone: timeZone), sourceIP: test.sourceIP,
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
            let why = response.errors.isEmpty ? response.reasons.sorted().joined(separator: ", ")
                : response.errors.map { "`\($0.policyID)` errored: \($0.error.message)" }.joined(separator: "; ")
            problems.append("expected \(test.expect), got \(decision)" + (why.isEmpty ? " (no policy applied)" : " (\(why))"))
        }
        if let expected = test.determining, Set(expected) != Set(response.reasons) {
            problems.append("expected determining policies [\(expected.sorted().joined(separator: ", "))], got [\(response.reasons.sorted().joined(separator: ", "))]")
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
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PolicyTestRunner.TestFileError(description: "not a JSON object")
        }
        let server = root["server"] as? String ?? "database"
        let namespace = root["namespace"] as? String ?? "ServiceMCP"
        guard let items = root["tests"] as? [[String: Any]] else {
            throw PolicyTestRunner.TestFileError(description: "`tests` must be a list of test objects")
        }
        let iso = ISO8601DateFormatter()
        var tests: [PolicyTestCase] = []
        for (index, item) in items.enumerated() {
            func string(_ key: String) -> String? { item[key] as? String }
            let name = string("name") ?? "test \(index + 1)"
            guard let member = string("member") else { throw PolicyTestRunner.TestFileError(description: "\(name): `member` is required") }
            guard let expect = string("expect"), expect == "allow" || expect == "deny" else {
                throw PolicyTestRunner.TestFileError(description: "\(name): `expect` must be `allow` or `deny`")
            }
            let timeText = string("time") ?? "2026-01-05T12:00:00Z"
            guard let time = iso.date(from: timeText) else {
                throw PolicyTestRunner.TestFileError(description: "\(name): `time` `\(timeText)` is not ISO 8601 (2026-04-16T03:04:18Z)")
            }
            let tool = string("tool")
            let method = string("method") ?? (tool != nil ? "tools/call" : "tools/list")
            var target = MessageFacts.Target.none
            if let tool { target = .tool(tool) }
            else if let uri = string("uri") { target = .resource(uri) }
            else if let prompt = string("prompt") { target = .prompt(prompt) }
            tests.append(PolicyTestCase(
                name: name, member: member, agent: string("agent") ?? "test-agent", method: method, target: target,
                resource: string("resource"), time: time, sourceIP: string("source_ip") ?? "127.0.0.1",
                geo: item["geo"] as? [String: String] ?? [:], session: string("session"), expect: expect,
                determining: item["determining"] as? [String]))
        }
        return TestSuiteFile(server: server, namespace: namespace, tests: tests)
    }
}
