import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// A request's records are moved, not copied, from the decision through the hand-off to the commit
/// (`Exchange` is not copyable; `Commit` writes the latency into the outcome's own records in place;
/// the store reads each record in place to encode its row). What must hold whatever the path: the
/// records the answer reports are the records committed, field for field, in batch order, each with
/// the one latency of its decision.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RecordHandOffTests {
    /// Two allowed reads and a denied delete in one batch (2025-03-26 allows batches).
    static let batch =
        "[" + Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#, id: 1) + ","
        + Body.toolCall("query", arguments: #"{"table":"staging.orders"}"#, id: 2) + "," + Body.deleteProd + "]"

    /// The committed records of `requestID`, without the row ids the store assigned.
    static func committed(_ h: PipelineHarness, _ requestID: String) throws -> [AuditRecord] {
        try h.records(requestID: requestID).map { record in
            var stored = record
            stored.id = nil
            return stored
        }
    }

    static func expectSameRecords(_ answered: [AuditRecord], _ committed: [AuditRecord]) {
        #expect(answered.count == 3)
        #expect(answered == committed, "the answer's records are not the committed ones")
        #expect(answered.map(\.batchIndex) == [0, 1, 2])
        #expect(answered.map(\.jsonrpcID) == ["1", "2", "7"])
        #expect(Set(answered.map(\.latencyMicros)).count == 1, "one decision, one latency: \(answered.map(\.latencyMicros))")
    }

    @Test func theHandedOffRecordsAreTheCommittedOnes() throws {
        try withPipeline { h in
            let request = h.request(
                Self.batch, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26", requestID: h.nextRequestID())
            let requestID = try #require(request.requestID)
            let answered = Recorder<Decision>()
            h.pipeline.decide(request) { answered.append($0) }
            let decision = try #require(answered.all.first)
            #expect(!decision.allowed && decision.reply.status == 403)
            #expect(decision.records.map(\.decision) == [.deny, .deny, .deny])
            Self.expectSameRecords(decision.records, try Self.committed(h, requestID))
        }
    }

    @Test func theWaitingDecideReportsTheCommittedRecords() throws {
        try withPipeline { h in
            let request = h.request(
                Self.batch, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26", requestID: h.nextRequestID())
            let requestID = try #require(request.requestID)
            let decision = h.pipeline.decide(request)
            Self.expectSameRecords(decision.records, try Self.committed(h, requestID))
        }
    }

    @Test func everyRecordOfAnAllowedBatchIsCommittedAsAnswered() throws {
        try withPipeline { h in
            let body =
                "[" + Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#, id: 1) + ","
                + Body.toolCall("query", arguments: #"{"table":"staging.orders"}"#, id: 2) + "]"
            let request = h.request(body, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26", requestID: h.nextRequestID())
            let requestID = try #require(request.requestID)
            let decision = h.pipeline.decide(request)
            #expect(decision.allowed && decision.reply.status == 200)
            let committed = try Self.committed(h, requestID)
            #expect(decision.records == committed)
            #expect(committed.map(\.decision) == [.allow, .allow])
            #expect(committed.map(\.latencyMicros)[0] == committed.map(\.latencyMicros)[1])
        }
    }

    @Test func aListIsAllowedOnlyWhenEveryRecordIsAnAllow() {
        func record(_ decision: AuditRecord.Decision) -> AuditRecord {
            AuditRecord(tenant: "acme", timeMicros: 0, requestID: "r", decision: decision, httpStatus: 200, latencyMicros: 0)
        }
        #expect(DecisionPipeline.allAllowed([record(.allow), record(.allow)]))
        #expect(!DecisionPipeline.allAllowed([record(.allow), record(.deny)]))
        #expect(!DecisionPipeline.allAllowed([record(.deny), record(.allow)]))
        #expect(DecisionPipeline.allAllowed([]))
    }
}
