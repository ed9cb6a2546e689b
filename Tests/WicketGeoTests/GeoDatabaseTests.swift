import Foundation
import Testing

@testable import WicketGeo

/// The repository's `geo/` folder, found from this file's path (works without ../shared).
let geoDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("geo").path

func geoFile(_ name: String) -> String { geoDirectory + "/" + name }

/// One entry of `geo/wicket-city-test.expected.json`.
struct ExpectedLookup: Decodable, Sendable, CustomTestStringConvertible {
    let ip: String
    let label: String
    let found: Bool
    let city: String?
    let subdivision: String?
    let country: String?
    var testDescription: String { "\(ip) (\(label))" }
}

struct ExpectedFile: Decodable {
    let lookups: [ExpectedLookup]
}

func expectedLookups() -> [ExpectedLookup] {
    guard let data = FileManager.default.contents(atPath: geoFile("wicket-city-test.expected.json")),
        let file = try? JSONDecoder().decode(ExpectedFile.self, from: data)
    else { return [] }
    return file.lookups
}

@Suite struct GeoDatabaseTests {
    static let lookups = expectedLookups()

    @Test func theExpectedFileIsThere() {
        #expect(Self.lookups.count >= 24)
    }

    @Test(arguments: lookups)
    func everyExpectedEntryOfTheTestDatabase(entry: ExpectedLookup) throws {
        let db = try GeoDatabase(path: geoFile("wicket-city-test.mmdb"))
        let location = try db.lookup(entry.ip)
        if entry.found {
            #expect(location == GeoLocation(country: entry.country, region: entry.subdivision, city: entry.city))
        } else {
            #expect(location == nil)
        }
    }

    @Test(arguments: lookups.filter { $0.found && !$0.ip.contains(":") })
    func ipv4MappedAddressesAnswerLikeTheirIPv4(entry: ExpectedLookup) throws {
        let db = try GeoDatabase(path: geoFile("wicket-city-test.mmdb"))
        #expect(try db.lookup("::ffff:" + entry.ip) == db.lookup(entry.ip))
        #expect(try db.lookup("::ffff:" + entry.ip) != nil)
    }

    @Test func theDesignExampleAddress() throws {
        let db = try GeoDatabase(path: geoFile("wicket-city-test.mmdb"))
        #expect(try db.lookup("203.0.113.42") == GeoLocation(country: "US", region: "VA", city: "Ashburn"))
        #expect(db.databaseType == "Wicket-Test-City")
        #expect(db.buildEpoch == 1_735_689_600)
    }

    @Test(arguments: [
        "", "not-an-ip", "example.com", "localhost", "203.0.113.42 ", " 203.0.113.42", "1.2.3.4.5",
        "256.1.1.1", "2001:db8::g", "203.0.113.42\0", "::ffff:", String(repeating: "1", count: 65),
        "203.0.113.42/24", "١٢٣.0.113.42",
    ])
    func nonAddressesAreInvalidAddressErrors(text: String) throws {
        let db = try GeoDatabase(path: geoFile("wicket-city-test.mmdb"))
        let error = #expect(throws: GeoError.self) { try db.lookup(text) }
        #expect(error?.code == .invalidAddress)
    }

    @Test func aMissingFileFailsAtOpen() {
        let error = #expect(throws: GeoError.self) { try GeoDatabase(path: geoFile("does-not-exist.mmdb")) }
        #expect(error?.code == .openFailed)
        #expect(error?.message.contains("does-not-exist.mmdb") == true)
    }

    @Test func invalidMetadataFailsAtOpen() {
        let error = #expect(throws: GeoError.self) {
            try GeoDatabase(path: geoFile("maxmind-test-data/GeoIP2-City-Test-Invalid-Node-Count.mmdb"))
        }
        #expect(error?.code == .openFailed)
        #expect(error?.message.contains("metadata") == true)
    }

    @Test func textAndTruncatedFilesFailAtOpen() throws {
        let dir = NSTemporaryDirectory() + "wicket-geo-\(UInt64.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try #require(FileManager.default.contents(atPath: geoFile("wicket-city-test.mmdb")))
        #expect(FileManager.default.createFile(atPath: dir + "/text.mmdb", contents: Data("hello, not a database\n".utf8)))
        #expect(FileManager.default.createFile(atPath: dir + "/truncated.mmdb", contents: good.prefix(good.count / 2)))
        #expect(FileManager.default.createFile(atPath: dir + "/empty.mmdb", contents: Data()))
        for name in ["text.mmdb", "truncated.mmdb", "empty.mmdb"] {
            let error = #expect(throws: GeoError.self) { try GeoDatabase(path: dir + "/" + name) }
            #expect(error?.code == .openFailed)
        }
        #expect(throws: GeoError.self) { try GeoDatabase(path: dir) }
    }

    @Test func brokenDataIsAThrownLookupError() throws {
        let db = try GeoDatabase(path: geoFile("maxmind-test-data/GeoIP2-City-Test-Broken-Double-Format.mmdb"))
        let error = #expect(throws: GeoError.self) { try db.lookup("81.2.69.160") }
        #expect(error?.code == .lookupFailed)
    }

    @Test func anIPv6LookupInAnIPv4DatabaseIsAnError() throws {
        let db = try GeoDatabase(path: geoFile("maxmind-test-data/MaxMind-DB-test-ipv4-24.mmdb"))
        let error = #expect(throws: GeoError.self) { try db.lookup("2001:db8::1") }
        #expect(error?.code == .lookupFailed)
        #expect(try db.lookup("10.0.0.1") == nil)
    }

    @Test func maxMindsCityTestDatabase() throws {
        let db = try GeoDatabase(path: geoFile("maxmind-test-data/GeoIP2-City-Test.mmdb"))
        #expect(try db.lookup("81.2.69.142") == GeoLocation(country: "GB", region: "ENG", city: "London"))
        #expect(try db.lookup("216.160.83.56") == GeoLocation(country: "US", region: "WA", city: "Milton"))
        #expect(try db.lookup("216.160.83.64") == GeoLocation(country: "US", region: "WA", city: nil))
        #expect(try db.lookup("67.43.156.1") == GeoLocation(country: "BT"))
        #expect(try db.lookup("2001:480:10::1") == GeoLocation(country: "US", region: "CA", city: "San Diego"))
        #expect(try db.lookup("203.0.113.42") == nil)
    }

    @Test func concurrentLookupsShareOneHandle() throws {
        let db = try GeoDatabase(path: geoFile("wicket-city-test.mmdb"))
        let entries = Self.lookups
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<200 {
                for entry in entries {
                    let location = try? db.lookup(entry.ip)
                    let expected = entry.found ? GeoLocation(country: entry.country, region: entry.subdivision, city: entry.city) : nil
                    if location != expected { mismatches.increment() }
                }
            }
        }
        #expect(mismatches.value == 0)
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
