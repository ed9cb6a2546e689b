import Foundation

/// Locates the shared Cedar conformance data beside the repository (`<repo>/../shared`). Tests that
/// need it are marked `.enabled(if: SchemaCorpus.root != nil)`, so without it they show as skipped,
/// never as passed.
enum SchemaCorpus {
    /// `<repo>/../shared`, or `$WICKET_TEST_SHARED_DIR` when set (point it at a missing directory to
    /// see the corpus tests skip).
    static var sharedDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["WICKET_TEST_SHARED_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var root: URL? {
        let shared = sharedDirectory.appendingPathComponent("conformance/cedar")
        return FileManager.default.fileExists(atPath: shared.appendingPathComponent("corpus-tests").path) ? shared : nil
    }

    static func testFiles(_ root: URL) -> [URL] {
        let dir = root.appendingPathComponent("corpus-tests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".entities.json") }.sorted().map { dir.appendingPathComponent($0) }
    }
}
