import Foundation

/// Locates the shared Cedar conformance data beside the repository (`<repo>/../shared`).
enum SchemaCorpus {
    static var root: URL? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let shared = url.deletingLastPathComponent().appendingPathComponent("shared/conformance/cedar")
        return FileManager.default.fileExists(atPath: shared.appendingPathComponent("corpus-tests").path) ? shared : nil
    }

    static func testFiles(_ root: URL) -> [URL] {
        let dir = root.appendingPathComponent("corpus-tests")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".entities.json") }.sorted().map { dir.appendingPathComponent($0) }
    }
}
