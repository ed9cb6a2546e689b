import Foundation
import Testing

@testable import WicketCore

/// `wicket check`, `wicket test` and `wicket schema` over copies of the example tenant.
@Suite struct PolicyToolsTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh copy of policies/acme, changed by `edit`, removed afterwards.
    func withExampleCopy(_ edit: (String) throws -> Void = { _ in }, _ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-policy-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: Self.repo.appendingPathComponent("policies/acme").path, toPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try edit(dir)
        try body(dir)
    }

    func replace(_ old: String, with new: String, in file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains(old), "fixture no longer contains `\(old)`")
        try text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func exampleTenantIsClean() throws {
        try withExampleCopy { dir in
            let report = PolicyCheck.run(PolicySources(folder: dir))
            #expect(report.exitCode == 0, "\(report.lines)")
            #expect(report.lines.last?.hasSuffix(": ok") == true)
        }
    }

    @Test(arguments: [
        ("release-window.cedar", "context.time.hour < 9", "context.time.hr < 9", Int32(3), "`hr`"),
        ("release-window.cedar", "context.time.hour > 17", "context.time.hour > \"17\"", Int32(3), "Long"),
        (
            "network.cedar", "context.geo has country && context.geo.country == \"US\"", "context.geo.country == \"US\"", Int32(3),
            "optional attribute `country`"
        ),
        ("release-window.cedar", "forbid (", "forbid ((", Int32(1), "release-window.cedar:"),
    ])
    func brokenCopiesFailWithTheRightCode(file: String, old: String, new: String, code: Int32, mentions: String) throws {
        try withExampleCopy({ dir in try replace(old, with: new, in: dir + "/policies/" + file) }) { dir in
            let report = PolicyCheck.run(PolicySources(folder: dir))
            #expect(report.exitCode == code, "\(report.lines)")
            #expect(report.lines.contains { $0.contains(mentions) && $0.contains(file) }, "\(report.lines)")
        }
    }

    @Test func policyTestsPassAndCatchAChangedPolicy() throws {
        try withExampleCopy { dir in
            let report = PolicyTestRunner.run(PolicySources(folder: dir))
            #expect(report.failed == 0 && report.passed >= 9, "\(report.lines)")
        }
        // Widening the window by an hour must make the 18:00 test fail, and only tests about it.
        try withExampleCopy({ dir in
            try replace("context.time.hour > 17", with: "context.time.hour > 18", in: dir + "/policies/release-window.cedar")
        }) { dir in
            let report = PolicyTestRunner.run(PolicySources(folder: dir))
            #expect(report.failed == 1, "\(report.lines)")
            #expect(
                report.lines.contains { $0.hasPrefix("FAIL") && $0.contains("18:00 is outside") && $0.contains("expected deny, got allow") }
            )
        }
    }

    /// Test files and tools files are read by the one strict reader: a repeated key or a value of the
    /// wrong type is a failed file with a reason, never a silently dropped field.
    @Test(arguments: [
        (#""expect": "deny", "determining""#, #""expect": "allow", "expect": "deny", "determining""#, "duplicate object key"),
        (#""geo": { "country": "US", "region": "VA""#, #""geo": { "country": "US", "region": 51"#, "`geo` must be an object of strings"),
        (#""determining": ["release-window block"]"#, #""determining": "release-window block""#, "`determining` must be a list of strings"),
    ])
    func policyTestFilesAreReadStrictly(old: String, new: String, reason: String) throws {
        try withExampleCopy({ dir in try replace(old, with: new, in: dir + "/tests/database.json") }) { dir in
            let report = PolicyTestRunner.run(PolicySources(folder: dir))
            #expect(report.failed == 1 && report.passed == 0, "\(report.lines)")
            #expect(report.lines.contains { $0.hasPrefix("FAIL") && $0.contains(reason) }, "\(report.lines)")
        }
    }

    @Test func toolsFilesAreReadStrictly() throws {
        #expect(throws: (any Error).self) {
            _ = try SchemaGenerator.toolNames(fromToolsList: Data(#"{"tools":[{"name":"query","name":"drop_table"}]}"#.utf8))
        }
    }

    @Test func generatedSchemaIsTheExampleSchema() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-schema-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try WicketConfig.load(path: try SetupInitializer.create(.init(directory: dir)))
        let tools = try SchemaGenerator.toolNames(
            fromToolsList: Data(
                #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"delete_records"},{"name":"drop_table"},{"name":"query"},{"name":"post_message"},{"name":"slow_report"}]}}"#
                    .utf8))
        let generated = SchemaGenerator.schema(for: "acme", config: config, tools: tools)
        let example = try String(contentsOf: Self.repo.appendingPathComponent("policies/acme/schema.cedarschema"), encoding: .utf8)
        #expect(generated == example)
        #expect(throws: (any Error).self) { _ = try SchemaGenerator.toolNames(fromToolsList: Data(#"{"tools":[{"title":"x"}]}"#.utf8)) }
    }
}
