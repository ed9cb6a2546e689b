import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// An allow's `X-Wicket-Rule` is read from its committed records' determining policies
/// (`Answer.rule(of:)`), not from a list of ids the decision collected: every policy of every record,
/// each once, in UTF-8 byte order, and two ids that differ only in Unicode normalisation are two.
@Suite struct AllowRuleHeaderTests {
    static func record(_ ids: [String]) -> AuditRecord {
        AuditRecord(
            tenant: "acme", timeMicros: 0, requestID: "r", decision: .allow, httpStatus: 200,
            policies: ids.map { .init(id: $0) }, latencyMicros: 0)
    }

    @Test func oneRecordWithOnePolicyNamesIt() {
        #expect(Answer.rule(of: [Self.record(["engineers call tools"])]) == "engineers call tools")
    }

    @Test func everyRecordsPoliciesEachOnceInByteOrder() {
        #expect(Answer.rule(of: [Self.record(["b"]), Self.record(["a"])]) == "a, b")
        #expect(Answer.rule(of: [Self.record(["same"]), Self.record(["same"])]) == "same")
        #expect(Answer.rule(of: [Self.record(["z", "m"]), Self.record(["a"])]) == "a, m, z")
        #expect(Answer.rule(of: [Self.record(["only"]), Self.record([])]) == "only")
        #expect(Answer.rule(of: [Self.record([])]) == "")
    }

    @Test func canonicallyEquivalentIdsAreTwoRules() {
        // U+00E9 and e + U+0301: `String ==` would merge them; the header names both.
        #expect(Answer.rule(of: [Self.record(["caf\u{E9}"]), Self.record(["cafe\u{301}"])]) == "cafe\u{301}, caf\u{E9}")
    }

    @Test func anAllowedBatchNamesItsPolicyOnce() throws {
        try withPipeline { h in
            let body =
                "[" + Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#, id: 1) + ","
                + Body.toolCall("query", arguments: #"{"table":"staging.orders"}"#, id: 2) + "]"
            let decision = h.pipeline.decide(
                h.request(body, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26", requestID: h.nextRequestID()))
            #expect(decision.allowed)
            let ids = decision.records.flatMap { $0.policies.map(\.id) }
            #expect(ids.count == 2)
            #expect(decision.reply.header("X-Wicket-Rule") == Answer.distinctRules(ids).joined(separator: ", "))
            #expect(decision.reply.header("X-Wicket-Rule") == "engineers call tools")
        }
    }
}
