import Cedar
import Foundation
import Testing

@testable import WicketCore

/// The explanations worked out at load must say exactly what working them out per decision said.
@Suite struct PolicyExplanationsTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every policy of the example tenant is explained as before")
    func exampleTenantMatches() throws {
        let set = try PolicyLoader.loadPolicies(at: Self.repo.appendingPathComponent("policies/acme/policies").path)
        let explained = PolicyExplanations(set)
        let context: [ExactString: Value] = [
            "time": .record(["hour": .long(3), "minute": .long(4), "weekday": .long(4), "date": .string("2026-04-16")]),
            "agent": .string("maintenance-agent"), "server": .string("database"), "method": .string("tools/call"),
        ]
        let ids = set.policies.map(\.id)
        #expect(ids.count > 3)
        for id in ids + ["no-such-policy"] {
            let cached = DecisionExplanation(policyIDs: [id], in: set, explained: explained, context: context)
            let computed = DecisionExplanation(policyIDs: [id], in: set, context: context)
            #expect(cached.policies == computed.policies, "\(id)")
            #expect(cached.contextValues == computed.contextValues, "\(id)")
        }
        let all = DecisionExplanation(policyIDs: ids.reversed(), in: set, explained: explained, context: context)
        #expect(all.policies.map(\.id) == ids.sorted())
    }

    @Test("ids that differ only in Unicode normalisation stay two policies")
    func codePointsNotCanonicalEquivalence() throws {
        let set = try PolicySet(
            PolicyLoader.policies(
                in: """
                    @id("caf\u{E9}") @reason("composed") permit(principal, action, resource) when { context.a == 1 };
                    @id("cafe\u{301}") @reason("decomposed") forbid(principal, action, resource) when { context.b == 2 };
                    """, file: "t.cedar"))
        let explained = PolicyExplanations(set)
        #expect(explained.entry(id: "caf\u{E9}")?.policy.annotations["reason"] == "composed")
        #expect(explained.entry(id: "caf\u{E9}")?.paths == [["a"]])
        #expect(explained.entry(id: "cafe\u{301}")?.policy.annotations["reason"] == "decomposed")
        #expect(explained.entry(id: "cafe\u{301}")?.paths == [["b"]])
        #expect(explained.entry(id: "cafe") == nil)
    }
}
