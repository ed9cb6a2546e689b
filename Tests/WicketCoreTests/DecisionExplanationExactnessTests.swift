import Cedar
import Testing

@testable import WicketCore
@testable import WicketStore

/// The audit explanation names context attributes as Cedar compares them: by code points. Two keys
/// that differ only in Unicode normalisation are two attributes, each with its own value.
@Suite struct DecisionExplanationExactnessTests {
    static let composed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    static func bytes(_ values: [AuditRecord.ContextValue]) -> [[UInt8]] { values.map { Array($0.name.utf8) + [0] + Array($0.value.utf8) } }

    @Test("two policies reading canonically equivalent context keys both appear in the record")
    func twoPoliciesTwoKeys() throws {
        let set = try PolicySet(
            PolicyLoader.policies(
                in: """
                    @id("composed") permit(principal, action, resource) when { context["\(Self.composed)"] == 1 };
                    @id("decomposed") permit(principal, action, resource) when { context["\(Self.decomposed)"] == 2 };
                    """, file: "t.cedar"))
        let context: [ExactString: Value] = [ExactString(Self.composed): .long(1), ExactString(Self.decomposed): .long(2)]
        for explained in [PolicyExplanations(set), nil] {
            let explanation = DecisionExplanation(
                policyIDs: ["decomposed", "composed"], in: set, explained: explained, context: context)
            #expect(explanation.policies.map(\.id) == ["composed", "decomposed"])
            let expected = [
                AuditRecord.ContextValue(name: "context.\(Self.composed)", value: "1"),
                AuditRecord.ContextValue(name: "context.\(Self.decomposed)", value: "2"),
            ]
            #expect(Self.bytes(explanation.contextValues) == Self.bytes(expected))
        }
    }

    @Test("one policy reading both keys lists both paths")
    func onePolicyBothKeys() throws {
        let set = try PolicySet(
            PolicyLoader.policies(
                in: """
                    @id("both") permit(principal, action, resource)
                    when { context["\(Self.decomposed)"] == 2 && context["\(Self.composed)"] == 1 };
                    """, file: "t.cedar"))
        let explanation = DecisionExplanation(
            policyIDs: ["both"], in: set, explained: PolicyExplanations(set),
            context: [ExactString(Self.composed): .long(1), ExactString(Self.decomposed): .long(2)])
        // Code-point order: "cafe\u{301}" (0x65) before "caf\u{E9}" (0xC3).
        #expect(
            Self.bytes(explanation.contextValues)
                == Self.bytes([
                    .init(name: "context.\(Self.decomposed)", value: "2"), .init(name: "context.\(Self.composed)", value: "1"),
                ]))
    }

    @Test("ids and set members that differ only in normalisation are ordered by code points")
    func codePointOrder() throws {
        let set = try PolicySet(
            PolicyLoader.policies(
                in: """
                    @id("\(Self.composed)") permit(principal, action, resource) when { context.s.contains("x") };
                    @id("\(Self.decomposed)") permit(principal, action, resource) when { context.s.contains("x") };
                    """, file: "t.cedar"))
        let context: [ExactString: Value] = ["s": .set([.string(Self.composed), .string(Self.decomposed)])]
        for ids in [[Self.composed, Self.decomposed], [Self.decomposed, Self.composed]] {
            let explanation = DecisionExplanation(policyIDs: ids, in: set, explained: PolicyExplanations(set), context: context)
            #expect(explanation.policies.map { Array($0.id.utf8) } == [Array(Self.decomposed.utf8), Array(Self.composed.utf8)])
            #expect(
                explanation.contextValues.map { Array($0.value.utf8) } == [Array("[\"\(Self.decomposed)\", \"\(Self.composed)\"]".utf8)])
        }
    }
}
