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

    @Test("corpus tests from ../shared/conformance/cedar")
    func corpus() throws {
        let root = ConformanceHarness.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/cedar")
        let dir = root.appendingPathComponent("corpus-tests")
        guard FileManager.default.fileExists(atPath: dir.path) else {
            print("SKIPPED corpus conformance: \(dir.path) is absent (clone the repository beside `shared/`)")
            return
        }
        let files = Self.testFiles(in: dir)
        let harness = ConformanceHarness(root: root)
        var total = ConformanceHarness.Outcome()
        for f in files { total.merge(harness.run(testFile: f)) }
        Self.report("corpus", total)
        #expect(total.requests == 62_472)
        #expect(total.failures.isEmpty, "\(total.failures.count) mismatches")
    }
}
