import Foundation
import Testing
import WicketGeo
import WicketStore

@testable import WicketCore

/// `decide(_:then:)` announces each request to its tenant's audit sink before deciding, and ends the
/// announcement exactly once, with its append (`announced: true`), so the group commit's leader can
/// count the decisions still under way (AuditWriter+Gather.swift). An announcement left open would
/// make every later leader wait for its bound; one never made would make the leader commit early.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct HandoffAnnouncementTests {
    /// Commits into the tenant's real audit store and records what the pipeline asked of it.
    final class CountingSink: AuditSink, @unchecked Sendable {
        // @unchecked Sendable: `store` is immutable, `events` has its own lock.
        let store: any AuditLog
        let events = Recorder<String>()
        init(store: any AuditLog) { self.store = store }
        func append(contentsOf records: [AuditRecord]) throws -> [Int64] { try store.append(contentsOf: records) }
        func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
            events.append("append")
            store.append(contentsOf: records, then: completion)
        }
        func announce() -> Bool {
            events.append("announce")
            return true
        }
        func withdraw() { events.append("withdraw") }
        func append(contentsOf records: [AuditRecord], announced: Bool, then completion: @escaping AuditCompletion) {
            events.append(announced ? "append announced" : "append")
            store.append(contentsOf: records, then: completion)
        }
    }

    @Test func eachDecisionIsAnnouncedAndEndedByItsAppend() throws {
        try withPipeline { h in
            let acme = try #require(h.config.tenants.first { $0.name == "acme" })
            let sink = CountingSink(store: try #require(h.admin["acme"]).audit)
            let tenant = try TenantRuntime(config: acme, wicket: h.config, logger: PipelineHarness.logger, auditSink: sink)
            defer {
                tenant.keys.close()
                tenant.credentials.close()
                tenant.audit.close()
            }
            let pipeline = try DecisionPipeline(
                config: h.config, tenants: ["acme": tenant], geo: nil, clock: RequestClock { h.clock.read() },
                logger: PipelineHarness.logger)
            let answers = Recorder<Int>()
            // Allowed, refused by policy, refused for its key: each commits a record.
            for request in [
                h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)),
                h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)),
                h.request(Body.deleteProd, key: "wk_not_a_key"),
            ] {
                pipeline.decide(request) { answers.append($0.reply.status) }
            }
            #expect(answers.all.count == 3)
            #expect(sink.events.all == Array(repeating: ["announce", "append announced"], count: 3).flatMap { $0 })
            // A server no configuration names has no tenant and so no sink: nothing is announced.
            let unrouted = h.request(Body.deleteProd, key: h.key(PipelineHarness.alex), server: "nowhere")
            pipeline.decide(unrouted) { answers.append($0.reply.status) }
            #expect(answers.all.count == 4)
            #expect(sink.events.all.count == 6)
        }
    }

    @Test func theTenantsSQLiteStoreEndsEveryAnnouncement() throws {
        try withPipeline { h in
            for request in [
                h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)),
                h.request(Body.deleteProd, key: "wk_not_a_key"),
            ] {
                let answered = Recorder<Int>()
                h.pipeline.decide(request) { answered.append($0.reply.status) }
                #expect(answered.all.count == 1, "a lone request is committed and answered before decide returns")
            }
            let sink = try #require(h.tenants["acme"]).auditSink
            #expect(sink.announce(), "the SQLite audit counts announcements")
            sink.withdraw()
        }
    }
}
