import Foundation
import Testing

@testable import Cedar

@Suite("Formatter round trip")
struct FormatCorpusTests {
    @Test("local fixtures format to the same policies, idempotently, keeping comments")
    func fixtures() throws {
        let files = FormatTestSupport.cedarFiles(under: FormatTestSupport.fixtures)
            .filter { !$0.lastPathComponent.hasSuffix(".expected.cedar") }
        #expect(files.count >= 5)
        for url in files {
            let text = try String(contentsOf: url, encoding: .utf8)
            let problem = FormatTestSupport.roundTripProblem(text, file: url.lastPathComponent)
            #expect(problem == nil, "\(url.lastPathComponent): \(problem ?? "")")
            let formatted = try PolicyFormatter.format(text)
            #expect(FormatTestSupport.comments(in: formatted) == FormatTestSupport.comments(in: text), "\(url.lastPathComponent)")
        }
    }

    @Test("fixtures with an expected layout format to exactly it")
    func golden() throws {
        let expected = FormatTestSupport.cedarFiles(under: FormatTestSupport.fixtures)
            .filter { $0.lastPathComponent.hasSuffix(".expected.cedar") }
        #expect(!expected.isEmpty)
        for url in expected {
            let input = url.deletingLastPathComponent()
                .appendingPathComponent(url.lastPathComponent.replacingOccurrences(of: ".expected.cedar", with: ".cedar"))
            let text = try String(contentsOf: input, encoding: .utf8)
            let want = try String(contentsOf: url, encoding: .utf8)
            #expect(try PolicyFormatter.format(text) == want, "\(input.lastPathComponent)")
            // The canonical form is a fixed point.
            #expect(try PolicyFormatter.format(want) == want)
        }
    }

    @Test(
        "every policy file of ../shared/conformance formats to the same policies, idempotently",
        .enabled(if: FormatTestSupport.sharedConformance != nil, "skipped: ../shared/conformance is absent"))
    func sharedCorpus() throws {
        let shared = try #require(FormatTestSupport.sharedConformance)
        let files =
            FormatTestSupport.cedarFiles(under: shared.appendingPathComponent("cedar"))
            + FormatTestSupport.cedarFiles(under: shared.appendingPathComponent("cedar-examples"))
        var passed = 0
        var failures: [String] = []
        var commentsSeen = 0
        var unparsed = 0
        for url in files {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                failures.append("\(url.path): unreadable")
                continue
            }
            // Only files the parser accepts are in scope (the corpus has none it rejects today).
            guard (try? PolicyParser.parsePolicies(text)) != nil else {
                unparsed += 1
                continue
            }
            if let problem = FormatTestSupport.roundTripProblem(text, file: url.lastPathComponent) {
                failures.append("\(url.path): \(problem)")
                continue
            }
            let c = FormatTestSupport.comments(in: text)
            commentsSeen += c.count
            if let formatted = try? PolicyFormatter.format(text), FormatTestSupport.comments(in: formatted) != c {
                failures.append("\(url.path): comments changed")
                continue
            }
            passed += 1
        }
        print(
            "formatter corpus: \(passed) of \(files.count) files round-tripped, \(unparsed) not parsed, \(commentsSeen) comments kept, \(failures.count) failures"
        )
        #expect(files.count > 7000)
        // Every file was either checked or is one the parser rejects; none today.
        #expect(unparsed == 0)
        #expect(passed == files.count)
        #expect(failures.isEmpty, "\(failures.prefix(3).joined(separator: "\n\n"))")
    }
}
