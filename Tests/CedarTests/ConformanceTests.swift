import Cedar
import Foundation
import Testing

@Suite("Cedar conformance")
struct ConformanceTests {
    static func testFiles(in dir: URL) -> [URL] {
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "json" && !$0.lastPathComponent.contains(".entities") }
            .sorted { $0.path < $1.path }
    }

    static func report(_ label: String, _ o: ConformanceHarness.Outcome) {
        print("\(label): \(o.tests) tests, \(o.requests) requests, \(o.passed) match, \(o.requests - o.passed) mismatch")
        for f in o.failures.prefix(40) { print("  MISMATCH \(f)") }
    }

    @Test("hand-written integration tests (bundled copy)")
    func handWritten() throws {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("cedar-integration")
        let harness = ConformanceHarness(root: root)
        var total = ConformanceHarness.Outcome()
        for group in ["decimal", "example_use_cases", "ip", "multi"] {
            for f in Self.testFiles(in: root.appendingPathComponent("tests/\(group)")) {
                total.merge(harness.run(testFile: f))
            }
        }
        Self.report("hand-written", total)
        #expect(total.requests == 74)
        #expect(total.failures.isEmpty, "\(total.failures.count) mismatches")
    }

    @Test(
        "corpus tests from ../shared/conformance/cedar",
        .enabled(if: SchemaCorpus.root != nil, "skipped: ../shared/conformance/cedar is absent"))
    func corpus() throws {
        let root = try #require(SchemaCorpus.root)
        let files = Self.testFiles(in: root.appendingPathComponent("corpus-tests"))
        let harness = ConformanceHarness(root: root)
        var total = ConformanceHarness.Outcome()
        for f in files { total.merge(harness.run(testFile: f)) }
        Self.report("corpus", total)
        #expect(total.tests == 7809)
        #expect(total.requests == 62_472)
        #expect(total.failures.isEmpty, "\(total.failures.count) mismatches")
    }
}
