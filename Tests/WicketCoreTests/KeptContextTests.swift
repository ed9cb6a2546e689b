import Cedar
import Foundation
import Logging
import Testing
import WicketGeo

@testable import WicketCore

/// The context parts made once and kept (KeptContext.swift): the same `context` as building them per
/// request, never used for facts they were not made from, and remade when what they depend on changes
/// (the next millisecond, a GeoIP reload).
@Suite struct KeptContextTests {
    static let times: [RequestTime] = [
        RequestTime(microseconds: 1_776_339_005_250_000, hour: 11, minute: 30, weekday: 4, date: "2026-04-16"),
        RequestTime(microseconds: 1_776_339_005_250_999, hour: 11, minute: 30, weekday: 4, date: "2026-04-16"),
        RequestTime(microseconds: 1_776_339_005_251_000, hour: 11, minute: 30, weekday: 4, date: "2026-04-16"),
        RequestTime(microseconds: 1_776_339_005_251_000, hour: 13, minute: 30, weekday: 4, date: "2026-04-16"),
        RequestTime(microseconds: 1_776_339_005_251_000, hour: 11, minute: 31, weekday: 5, date: "2026-04-17"),
        RequestTime(microseconds: -1_500, hour: 23, minute: 59, weekday: 3, date: "1969-12-31"),
    ]
    static let addresses = ["203.0.113.42", "203.0.113.43", "::1", "2001:db8::7", "::ffff:203.0.113.42"]
    static let geos: [(String?, String?, String?)] = [
        (nil, nil, nil), ("US", "VA", "Ashburn"), ("US", nil, nil), ("DE", "HE", "Frankfurt am Main"),
        ("US", "VA", "Ashburn\u{301}"), ("\u{212B}", nil, nil), ("\u{00C5}", nil, nil),
    ]

    static func facts(_ time: RequestTime, _ address: String, _ geo: (String?, String?, String?), kept: KeptContext = KeptContext())
        -> ContextFacts
    {
        ContextFacts(
            time: time, sourceIP: address, geo: geo, agent: "maintenance-agent", session: "mcp_sess_7k91", server: "database",
            method: "tools/call", kept: kept)
    }

    /// Every kept part, given with every combination of facts (its own and others'), yields exactly the
    /// context built without it: a part for other facts is not used.
    @Test func keptPartsNeverChangeTheContext() throws {
        var used = 0
        for time in Self.times {
            for address in Self.addresses {
                for geo in Self.geos {
                    let built = Self.facts(time, address, geo).cedarContext()  // nil: not an IP address (`::ffff:…`)
                    for keptTime in Self.times {
                        for keptAddress in Self.addresses {
                            for keptGeo in Self.geos {
                                let location = GeoLocation(country: keptGeo.0, region: keptGeo.1, city: keptGeo.2)
                                let kept = KeptContext(
                                    time: TimeContext(keptTime), address: AddressContext(address: keptAddress, location: location))
                                let context = Self.facts(time, address, geo, kept: kept).cedarContext()
                                #expect(context == built, "\(time) \(address) \(geo) with \(keptTime) \(keptAddress) \(keptGeo)")
                                if kept.time?.answers(time) == true && kept.address?.answers(Self.facts(time, address, geo)) == true {
                                    used += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        // Each fact's own parts answered for it (the kept path ran, not only the fallback).
        #expect(used >= Self.times.count * (Self.addresses.count - 1) * Self.geos.count)
    }

    @Test func aPartAnswersOnlyForTheFactsItWasMadeFrom() throws {
        let time = Self.times[0]
        let kept = TimeContext(time)
        #expect(kept.answers(time))
        #expect(kept.answers(Self.times[1]))  // the same millisecond
        #expect(!kept.answers(Self.times[2]))  // the next one
        #expect(!kept.answers(Self.times[3]))
        let address = try #require(AddressContext(address: "203.0.113.42", location: GeoLocation(country: "\u{00C5}")))
        #expect(address.answers(Self.facts(time, "203.0.113.42", ("\u{00C5}", nil, nil))))
        // Canonically equivalent is not the same: bytes decide.
        #expect(!address.answers(Self.facts(time, "203.0.113.42", ("\u{212B}", nil, nil))))
        #expect(!address.answers(Self.facts(time, "203.0.113.42", ("\u{00C5}", "", nil))))
        #expect(!address.answers(Self.facts(time, "203.0.113.4", ("\u{00C5}", nil, nil))))
        #expect(AddressContext(address: "not-an-address", location: nil) == nil)
        #expect(Self.facts(time, "not-an-address", (nil, nil, nil), kept: KeptContext(address: address)).cedarContext() == nil)
    }

    /// The clock's kept record follows the clock: the same millisecond shares it, the next one has its own `now`.
    @Test func theTimeRecordIsRemadeEachMillisecond() throws {
        let cache = LocalTimeCache(timeZone: try #require(TimeZone(identifier: "America/New_York")))
        let start = 1_776_339_005.250_125
        var previous: Value?
        for step in 0..<5 {
            // Two requests in each millisecond, then the next millisecond.
            for offset in [0.0, 0.0005] {
                let instant = Date(timeIntervalSince1970: start + Double(step) / 1000 + offset)
                let (time, context) = cache.timeAndContext(at: instant)
                #expect(time == cache.time(at: instant))
                #expect(context.record == ContextFacts.timeRecord(time))
                guard case .record(let fields) = context.record, case .ext(.datetime(let now))? = fields["now"] else {
                    Issue.record("no `now` in \(context.record)")
                    continue
                }
                #expect(now == CedarDatetime(epochMilliseconds: 1_776_339_005_250 + Int64(step)))
                if offset > 0 { #expect(previous == context.record) }
                previous = context.record
            }
        }
    }

    /// Through the pipeline: a policy on `context.time.now` sees the next millisecond on the next request.
    @Test func theNextMillisecondReachesThePolicies() throws {
        let probe = """
            @id("one millisecond")
            forbid (principal, action, resource) when { context.time.now == datetime("2026-04-16T11:30:05.250Z") };
            """
        try withPipeline(PipelineOptions(extraPolicies: ["probe.cedar": probe])) { h in
            let call = Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#)
            try h.setNow("2026-04-16T11:30:05.250Z")
            for _ in 0..<2 {
                try h.send(h.request(call, key: h.key(PipelineHarness.alex))).expectDenied(
                    status: 403, code: -32003, words: ["one millisecond"])
            }
            try h.setNow("2026-04-16T11:30:05.251Z")
            #expect(try h.send(h.request(call, key: h.key(PipelineHarness.alex))).status == 200)
            try h.setNow("2026-04-16T11:30:05.250Z")
            try h.send(h.request(call, key: h.key(PipelineHarness.alex))).expectDenied(
                status: 403, code: -32003, words: ["one millisecond"])
        }
    }

    /// Through the pipeline: after a GeoIP reload the next request's `context.geo` is the new file's.
    @Test func aGeoIPReloadReachesThePoliciesOnTheNextRequest() throws {
        let before = try GeoDatabase(path: GeoAnswerCacheTests.wicketCity)
        let after = try GeoDatabase(path: GeoAnswerCacheTests.maxmindCity)
        // An address the first file places in a country and the second does not place there.
        let address = try #require(
            GeoAnswerCacheTests.addresses.first { a in
                guard let x = try? before.lookup(a)?.country else { return false }
                return (try? after.lookup(a)?.country) != x
            })
        let country = try #require(try before.lookup(address)?.country)
        let probe = """
            @id("geo probe")
            forbid (principal, action, resource) when { context.geo has country && context.geo.country == "\(country)" };
            """
        try withPipeline(PipelineOptions(extraPolicies: ["probe.cedar": probe])) { h in
            let directory = NSTemporaryDirectory() + "wicket-kept-geo-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let path = directory + "/city.mmdb"
            try FileManager.default.copyItem(atPath: GeoAnswerCacheTests.wicketCity, toPath: path)
            let source = try GeoSource(path: path)
            let pipeline = try DecisionPipeline(
                config: h.config, tenants: h.tenants, geo: source, clock: RequestClock { h.clock.read() },
                logger: PipelineHarness.logger, metrics: WicketMetrics())
            let call = Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#)
            for _ in 0..<2 {
                let reply = pipeline.decide(h.request(call, key: h.key(PipelineHarness.alex), forwardedFor: address)).reply
                #expect(reply.status == 403)
            }
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: GeoAnswerCacheTests.maxmindCity, toPath: path)
            source.reload(logger: PipelineHarness.logger)
            let reply = pipeline.decide(h.request(call, key: h.key(PipelineHarness.alex), forwardedFor: address)).reply
            #expect(reply.status == 200, "the reloaded database places \(address) elsewhere")
        }
    }
}
