import Foundation
import Testing
import WicketTestSupport

@testable import Cedar

/// Puts comments after arbitrary tokens and checks that formatting keeps all of them, keeps the
/// meaning, and is a fixed point.
@Suite("Formatter comments in every spot")
struct FormatCommentFuzzTests {
    /// `text` with a comment after roughly one token in `every`, alternately trailing and on its own line.
    static func sprinkle(_ text: String, every: UInt64, seed: UInt64) -> String {
        var rng = SplitMix(state: seed)
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var last = 0
        var n = 0
        for t in FormatLexer.tokenize(text) where t.kind != .eof && rng.next() % every == 0 {
            out += bytes[last..<t.end]
            n += 1
            out += Array((rng.next() % 2 == 0 ? " // c\(n)\n" : "\n// c\(n)\n").utf8)
            last = t.end
        }
        out += bytes[last...]
        return String(decoding: out, as: UTF8.self)
    }

    static func problem(_ text: String, file: String) -> String? {
        if let p = FormatTestSupport.roundTripProblem(text, file: file) { return p }
        guard let out = try? PolicyFormatter.format(text) else { return "format failed" }
        let want = FormatTestSupport.comments(in: text)
        let got = FormatTestSupport.comments(in: out)
        return want == got ? nil : "comments changed: \(want.count) -> \(got.count)\n\(text)\n---\n\(out)"
    }

    @Test("comments after random tokens of the local fixtures are kept", arguments: [2 as UInt64, 3, 7])
    func fixtures(every: UInt64) throws {
        for url in FormatTestSupport.cedarFiles(under: FormatTestSupport.fixtures) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for seed in 1...4 as ClosedRange<UInt64> {
                let sprinkled = Self.sprinkle(text, every: every, seed: seed)
                let p = Self.problem(sprinkled, file: url.lastPathComponent)
                #expect(p == nil, "\(url.lastPathComponent) every \(every) seed \(seed): \(p ?? "")")
                if p != nil { return }
            }
        }
    }

    @Test(
        "comments after random tokens of corpus policies are kept",
        .enabled(if: FormatTestSupport.sharedConformance != nil, "skipped: ../shared/conformance is absent"))
    func corpus() throws {
        let shared = try #require(FormatTestSupport.sharedConformance)
        let files = FormatTestSupport.cedarFiles(under: shared.appendingPathComponent("cedar/corpus-tests"))
        var failures: [String] = []
        var checked = 0
        var unreadable = 0
        for (k, url) in files.enumerated() where k % 3 == 0 {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                unreadable += 1
                continue
            }
            let sprinkled = Self.sprinkle(text, every: UInt64(1 + k % 6), seed: UInt64(k))
            checked += 1
            if let p = Self.problem(sprinkled, file: url.lastPathComponent) { failures.append("\(url.lastPathComponent): \(p)") }
        }
        print("formatter comment fuzz: \(checked) corpus files with comments sprinkled, \(failures.count) failures")
        #expect(unreadable == 0)
        #expect(checked == (files.count + 2) / 3)
        #expect(checked > 2000)
        #expect(failures.isEmpty, "\(failures.prefix(2).joined(separator: "\n\n"))")
    }
}
