import Foundation
import Testing

@testable import WicketCore

/// A tenant's entities file is held to Cedar's rules: a cycle in the groups, or one uid listed twice
/// with different contents, is an error (the Rust engine refuses both), never a silent merge that
/// changes who is in which group.
@Suite struct EntityGraphTests {
    let tools = PolicyToolsTests()

    @Test(arguments: [
        (
            #"{ "uid": { "type": "Group", "id": "members" }, "attrs": {}, "parents": [] }"#,
            #"{ "uid": { "type": "Group", "id": "members" }, "attrs": {}, "parents": [ { "type": "User", "id": "alex@company.com" } ] }"#,
            "cycle"
        ),
        (
            #"{ "uid": { "type": "Group", "id": "support" }, "attrs": {}, "parents": [] },"#,
            #"{ "uid": { "type": "Group", "id": "support" }, "attrs": {}, "parents": [] }, { "uid": { "type": "Group", "id": "support" }, "attrs": {}, "parents": [ { "type": "Group", "id": "engineering" } ] },"#,
            "duplicate"
        ),
    ])
    func brokenGraphsAreRefused(old: String, new: String, mentions: String) throws {
        try tools.withExampleCopy({ dir in try tools.replace(old, with: new, in: dir + "/entities.json") }) { dir in
            let check = PolicyCheck.run(PolicySources(folder: dir))
            #expect(check.exitCode == 1, "\(check.lines)")
            #expect(check.lines.contains { $0.contains(mentions) }, "\(check.lines)")
            let tests = PolicyTestRunner.run(PolicySources(folder: dir))
            #expect(tests.failed > 0 || tests.lines.contains { $0.contains(mentions) }, "\(tests.lines)")
        }
    }

    @Test func theExampleGraphLoads() throws {
        try tools.withExampleCopy { dir in
            #expect(PolicyCheck.run(PolicySources(folder: dir)).exitCode == 0)
        }
    }
}
