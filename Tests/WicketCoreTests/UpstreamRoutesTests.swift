import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// The server name nginx sends (`WICKET_SERVER`) picks the upstream by its bytes: a canonically
/// equivalent spelling is another upstream, or an unknown one, never the configured twin.
@Suite struct UpstreamRoutesTests {
    static let composed = "caf\u{00E9}"  // NFC
    static let decomposed = "cafe\u{0301}"  // NFD: equal to `composed` as a Swift String

    /// A pipeline over the harness's tenants whose configuration has the given extra upstreams.
    func pipeline(_ h: PipelineHarness, adding upstreams: [(name: String, tenant: String)]) throws -> DecisionPipeline {
        var config = h.config
        let template = try #require(config.upstream(named: "helpdesk"))
        for (name, tenant) in upstreams {
            var upstream = template
            upstream.name = name
            upstream.tenant = tenant
            config.upstreams.append(upstream)
        }
        return try DecisionPipeline(
            config: config, tenants: h.tenants, geo: nil, clock: RequestClock { h.clock.read() }, logger: PipelineHarness.logger)
    }

    func records(_ h: PipelineHarness, _ requestID: String) throws -> [String: [AuditRecord]] {
        ["acme": try h.records(requestID: requestID, tenant: "acme"), "beta": try h.records(requestID: requestID, tenant: "beta")]
    }

    @Test func aCanonicallyEquivalentSpellingOfTheServerNameIsUnknown() throws {
        #expect(Self.composed == Self.decomposed)  // what a String-keyed lookup would have merged
        try withPipeline { h in
            let pipeline = try pipeline(h, adding: [(Self.composed, "beta")])
            let key = h.key(PipelineHarness.pat)

            let known = h.request(Body.toolCall("anything"), key: key, server: Self.composed)
            _ = pipeline.decide(known)
            let found = try records(h, try #require(known.requestID))
            #expect(found["acme"]?.isEmpty == true)
            let record = try #require(found["beta"]?.first)
            #expect(record.server.map { Array($0.utf8) } == Array(Self.composed.utf8))

            let twin = h.request(Body.toolCall("anything"), key: key, server: Self.decomposed)
            let refused = pipeline.decide(twin)
            #expect(!refused.allowed && refused.reply.status == 503 && refused.records.isEmpty)
            let none = try records(h, try #require(twin.requestID))
            #expect(none.values.allSatisfy { $0.isEmpty }, "a request for an unknown server has no tenant to record in")
        }
    }

    @Test func twoCanonicallyEquivalentNamesAreTwoUpstreams() throws {
        try withPipeline { h in
            // The configuration file refuses such twins (ConfigTests); built by hand they stay apart.
            let pipeline = try pipeline(h, adding: [(Self.composed, "beta"), (Self.decomposed, "acme")])
            #expect(pipeline.routes.count == 4)
            for (name, tenant, member) in [
                (Self.composed, "beta", PipelineHarness.pat), (Self.decomposed, "acme", PipelineHarness.sam),
            ] {
                let request = h.request(Body.toolCall("anything"), key: h.key(member), server: name)
                let decision = pipeline.decide(request)
                #expect(decision.reply.status != 503, "\(tenant): the upstream was not found")
                let found = try records(h, try #require(request.requestID))
                let record = try #require(found[tenant]?.first, "no record in \(tenant)")
                #expect(record.server.map { Array($0.utf8) } == Array(name.utf8))
                #expect(found.filter { $0.key != tenant }.values.allSatisfy { $0.isEmpty })
            }
        }
    }

    @Test func theConfigurationRefusesACanonicallyEquivalentTwin() throws {
        let text = """
            [[tenant]]
            name = "acme"
            policies = "p"
            entities = "e.json"

            [[upstream]]
            name = "\(Self.composed)"
            tenant = "acme"

            [[upstream]]
            name = "\(Self.decomposed)"
            tenant = "acme"
            """
        #expect(throws: ConfigError.self) { try WicketConfig.parse(text, baseDirectory: "/") }
        let one = try WicketConfig.parse(
            text.components(separatedBy: "[[upstream]]").dropLast().joined(separator: "[[upstream]]"), baseDirectory: "/")
        #expect(one.upstream(named: Self.composed) != nil)
        #expect(one.upstream(named: Self.decomposed) == nil, "the lookup compares bytes")
    }
}
