import Foundation
import Logging
import Testing
import WicketGeo

@testable import WicketCore

/// GeoIP answers kept by address (`GeoAnswerCache`): the same answers as the database gives, failures
/// never kept, and a reloaded file answers at once with its own data, not the old file's.
@Suite struct GeoAnswerCacheTests {
    static let wicketCity = PipelineHarness.repoFile("geo/wicket-city-test.mmdb")
    static let maxmindCity = PipelineHarness.repoFile("geo/maxmind-test-data/GeoIP2-City-Test.mmdb")
    static let addresses = [
        "203.0.113.42", "203.0.113.7", "198.51.100.1", "81.2.69.142", "89.160.20.112", "2001:480::1", "::1", "10.0.0.1",
        "2.125.160.216",
    ]

    @Test func answersAsTheDatabaseDoesFromMemoryToo() throws {
        let database = try GeoDatabase(path: Self.wicketCity)
        let cache = GeoAnswerCache(database: database)
        for _ in 0..<2 {
            for address in Self.addresses {
                #expect(try cache.lookup(address) == database.lookup(address), "\(address)")
            }
        }
        #expect(cache.count == Self.addresses.count)
        // Not an address: refused every time, and never kept.
        for _ in 0..<2 { #expect(throws: GeoError.self) { try cache.lookup("not-an-address") } }
        #expect(cache.count == Self.addresses.count)
    }

    @Test func aReloadedFileAnswersWithItsOwnDataOnTheNextLookup() throws {
        let directory = NSTemporaryDirectory() + "wicket-geo-cache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/city.mmdb"
        try FileManager.default.copyItem(atPath: Self.wicketCity, toPath: path)
        let source = try GeoSource(path: path)
        let before = try GeoDatabase(path: Self.wicketCity)
        let after = try GeoDatabase(path: Self.maxmindCity)
        // Addresses the two files answer differently: what makes a stale answer visible.
        let differing = try Self.addresses.filter { try before.lookup($0) != after.lookup($0) }
        #expect(differing.count >= 2)
        for address in differing {
            #expect(try source.currentAnswers?.lookup(address) == before.lookup(address))
        }
        // geoipupdate replaces the file; SIGHUP reloads it.
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: Self.maxmindCity, toPath: path)
        source.reload(logger: Logger(label: "test"))
        for address in differing {
            #expect(try source.currentAnswers?.lookup(address) == after.lookup(address), "\(address)")
        }
    }

    @Test func pastItsBoundItStartsOver() throws {
        let cache = GeoAnswerCache(database: try GeoDatabase(path: Self.wicketCity))
        for k in 0..<(GeoAnswerCache.maxEntries + 10) {
            _ = try cache.lookup("10.\(k / 65536 % 256).\(k / 256 % 256).\(k % 256)")
        }
        #expect(cache.count <= GeoAnswerCache.maxEntries)
    }
}
