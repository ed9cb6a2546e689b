import Foundation
import Testing

@testable import Cedar

/// Helpers shared by the formatter tests.
enum FormatTestSupport {
    static let packageRoot: URL =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = packageRoot.appendingPathComponent("Tests/CedarTests/Fixtures/format")

    /// `<repo>/../shared/conformance`, when present (see `SchemaCorpus.sharedDirectory`).
    static var sharedConformance: URL? {
        let url = SchemaCorpus.sharedDirectory.appendingPathComponent("conformance")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("cedar/corpus-tests").path) ? url : nil
    }

    /// Every `.cedar` file below `dir`, sorted.
    static func cedarFiles(under dir: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        var out: [URL] = []
        for case let url as URL in e where url.pathExtension == "cedar" { out.append(url) }
        return out.sorted { $0.path < $1.path }
    }

    /// The policies without source locations, for comparing what two texts mean.
    static func meaning(_ text: String, file: String = "<input>") throws -> [Policy] {
        try PolicyParser.parsePolicies(text, file: file).map {
            Policy(
                id: $0.id, effect: $0.effect, principal: $0.principal, action: $0.action, resource: $0.resource,
                conditions: $0.conditions, annotations: $0.annotations, location: nil)
        }
    }

    /// Why formatting `text` is wrong, or `nil`: the result must mean the same and be a fixed point.
    static func roundTripProblem(_ text: String, file: String) -> String? {
        let formatted: String
        do {
            formatted = try PolicyFormatter.format(text, file: file)
        } catch {
            return "format failed: \(error)"
        }
        do {
            let before = try meaning(text, file: file)
            let after = try meaning(formatted, file: file)
            if before != after {
                let i = Array(zip(before, after)).firstIndex { $0.0 != $0.1 } ?? min(before.count, after.count)
                return "meaning changed at policy \(i) (\(before.count) vs \(after.count) policies):\n\(formatted)"
            }
        } catch {
            return "formatted text does not parse: \(error)\n\(formatted)"
        }
        do {
            let again = try PolicyFormatter.format(formatted, file: file)
            if again != formatted { return "not idempotent:\n--- first\n\(formatted)--- second\n\(again)" }
        } catch {
            return "second format failed: \(error)"
        }
        return nil
    }

    /// The text of every `//` comment outside string literals, in order.
    static func comments(in text: String) -> [String] {
        FormatLexer.tokenize(text).flatMap { t in t.leading.map(\.text) + (t.trailing.map { [$0.text] } ?? []) }
    }
}
