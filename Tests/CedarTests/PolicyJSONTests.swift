import Foundation
import Testing

@testable import Cedar

/// The JSON policy format must produce the same policies as the text it came from.
@Suite("JSON policy format")
struct PolicyJSONTests {
    /// Drops the source location and normalises what the JSON form writes differently
    /// (`action in [A]` is written as `action in A`).
    static func strip(_ p: Policy) -> Policy {
        var action = p.action
        if case .inSet(let us) = action, us.count == 1, let u = us.first { action = .in(u) }
        return Policy(
            id: p.id, effect: p.effect, principal: p.principal, action: action, resource: p.resource,
            conditions: p.conditions, annotations: p.annotations.sorted { $0.key < $1.key })
    }

    @Test func jsonAndTextAgreeOnEveryFixture() throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("policy-json")
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).filter {
            $0.pathExtension == "cedar"
        }
        #expect(files.count > 50)
        for f in files {
            let text = try PolicySet(text: try String(contentsOf: f, encoding: .utf8))
            let json = try PolicyJSON.policySet(
                try String(contentsOf: f.deletingPathExtension().appendingPathExtension("json"), encoding: .utf8))
            let a = text.policies.map(Self.strip).sorted { $0.id < $1.id }
            let b = json.policies.map(Self.strip).sorted { $0.id < $1.id }
            #expect(a == b, "\(f.lastPathComponent)")
            #expect(Set(text.templates.keys) == Set(json.templates.keys), "\(f.lastPathComponent)")
        }
    }

    @Test func readsASinglePolicyAndLinks() throws {
        let set = try PolicyJSON.policySet(
            """
            {"templates": {"t": {"effect": "permit", "principal": {"op": "==", "slot": "?principal"}, "action": {"op": "All"},
              "resource": {"op": "All"}, "conditions": [], "annotations": {"id": "tmpl"}}},
             "templateLinks": [{"templateId": "t", "newId": "l", "values": {"?principal": {"type": "User", "id": "alice"}}}]}
            """)
        #expect(set.policies.map(\.id) == ["l"])
        #expect(set.policies.first?.principal == .eq(.uid(TestData.alice)))
        let one = try PolicyJSON.policySet(
            "{\"effect\": \"forbid\", \"principal\": {\"op\": \"All\"}, \"action\": {\"op\": \"All\"}, \"resource\": {\"op\": \"All\"}, \"conditions\": []}"
        )
        #expect(one.policies.map(\.effect) == [.forbid])
        #expect(throws: PolicySetError.self) { try PolicyJSON.policySet("{\"effect\": \"maybe\"}") }
    }
}
