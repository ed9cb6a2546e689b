import Foundation
import Testing
import WicketFastCGI
import WicketGeo
import WicketStore
import WicketTestSupport

@testable import WicketCore

/// The answer leaves from the audit commit (DecisionPipeline+Handoff.swift): real nginx, the in-process
/// FastCGI server answering through `DecisionPipeline.decide(_:then:)` as `wicket serve` does, and a
/// sink that holds every commit at a gate before committing it to the tenant's real audit store (or
/// failing it). The accept thread has long returned while the commit is held; the answer must not.
@Suite(
    "The answer leaves only after its record's commit", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: NginxHarness.available, "no nginx or curl binary on this machine"))
struct AnswerAfterCommitTests {
    /// Holds each commit on a thread of its own until `gate` opens, then commits into `store`, or fails it.
    final class HeldSink: AuditSink, @unchecked Sendable {
        // @unchecked Sendable: immutable.
        let store: any AuditLog
        let gate: Gate
        let fails: Bool
        init(store: any AuditLog, gate: Gate, fails: Bool) {
            self.store = store
            self.gate = gate
            self.fails = fails
        }
        func append(contentsOf records: [AuditRecord]) throws -> [Int64] { try store.append(contentsOf: records) }
        func append(contentsOf records: [AuditRecord], then completion: @escaping AuditCompletion) {
            Thread { [self] in
                gate.wait()
                if fails { return completion(.failure(StoreError(.busy, "the audit database is locked"))) }
                store.append(contentsOf: records, then: completion)
            }.start()
        }
    }

    /// Runs `body` with nginx in front of a FastCGI server whose acme tenant commits through a `HeldSink`.
    func withHeldCommits(
        fails: Bool, _ body: (PipelineHarness, NginxHarness, FastCGIServer, Gate, Recorder<String>) throws -> Void
    ) throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let gate = Gate()
            defer { gate.open() }
            let acme = try #require(h.config.tenants.first { $0.name == "acme" })
            let held = try TenantRuntime(
                config: acme, wicket: h.config, logger: PipelineHarness.logger,
                auditSink: HeldSink(store: try #require(h.admin["acme"]).audit, gate: gate, fails: fails))
            defer {
                held.keys.close()
                held.credentials.close()
                held.audit.close()
            }
            let geo = try GeoDatabase(path: PipelineHarness.repoFile("geo/wicket-city-test.mmdb"))
            let pipeline = try DecisionPipeline(
                config: h.config, tenants: ["acme": held], geo: geo, clock: RequestClock { h.clock.read() },
                logger: PipelineHarness.logger)
            let nginx = try NginxHarness(fastcgiTimeoutMilliseconds: 20_000)
            defer { nginx.stop() }
            defer { gate.open() }  // before the stop: no commit is left held
            try nginx.startUpstream()
            let returned = Recorder<String>()
            try nginx.startServer(deferredHandler: { request, responder in
                let input = h.request(
                    bytes: request.bodyBytes ?? [], authorization: request.header("Authorization"),
                    requestID: request[param: "WICKET_REQUEST_ID"])
                pipeline.decide(input) { decision in
                    responder.respond(
                        FastCGIResponse(
                            status: decision.reply.status, headers: decision.reply.headers.map { .init($0.name, $0.value) },
                            body: decision.reply.body))
                }
                returned.append("returned")
            })
            try nginx.startNginx()
            try body(h, nginx, try #require(nginx.server), gate, returned)
        }
    }

    /// `curl` on a thread of its own; its status and the acme records readable when it returned land in `answers`.
    static func post(_ h: PipelineHarness, _ nginx: NginxHarness, into answers: Recorder<(status: Int, records: Int)>) {
        let key = h.key(PipelineHarness.alex)
        Thread {
            let result = try? Curl.run(
                ["-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(key)", nginx.url],
                body: Array(Body.deleteProd.utf8))
            let records = (try? h.allRecords(tenant: "acme").count) ?? -1
            answers.append((result?.status ?? -1, records))
        }.start()
    }

    @Test("the client sees no answer while the commit is held; the record is in the store when the answer arrives")
    func noAnswerBeforeTheCommit() throws {
        try withHeldCommits(fails: false) { h, nginx, server, gate, returned in
            let answers = Recorder<(status: Int, records: Int)>()
            Self.post(h, nginx, into: answers)
            // Decided, handed to the sink, and the handler returned: the accept thread is free again.
            try #require(waitUntil { gate.waiters == 1 && returned.all.count == 1 })
            #expect(server.inFlightRequests == 1, "the request was answered before its commit")
            #expect(answers.all.isEmpty)
            #expect(try h.allRecords(tenant: "acme").isEmpty)
            #expect(try nginx.upstreamRequests().isEmpty)
            gate.open()
            try #require(waitUntil { answers.all.count == 1 })
            let answer = try #require(answers.all.first)
            #expect(answer.status == 200, "\(nginx.errorLog)")
            #expect(answer.records == 1, "the answer arrived before its record was readable")
            #expect(try nginx.upstreamRequests().count == 1)
        }
    }

    @Test("a failed commit answers every request of its batch with 503, and none reaches the upstream")
    func aFailedCommitRefusesTheBatch() throws {
        try withHeldCommits(fails: true) { h, nginx, server, gate, returned in
            let answers = Recorder<(status: Int, records: Int)>()
            for _ in 0..<3 { Self.post(h, nginx, into: answers) }
            try #require(waitUntil { gate.waiters == 3 && returned.all.count == 3 })
            #expect(server.inFlightRequests == 3)
            #expect(answers.all.isEmpty)
            gate.open()
            try #require(waitUntil { answers.all.count == 3 })
            #expect(answers.all.map(\.status) == [503, 503, 503], "\(nginx.errorLog)")
            #expect(answers.all.allSatisfy { $0.records == 0 })
            #expect(try nginx.upstreamRequests().isEmpty, "a request whose record was not committed reached the upstream")
        }
    }
}
