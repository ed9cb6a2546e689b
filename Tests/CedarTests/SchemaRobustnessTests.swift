import Foundation
import Testing
import WicketTestSupport

@testable import Cedar

/// Mutated schemas (seeded, deterministic) must give a schema or an error, never a crash.
@Suite struct SchemaRobustnessTests {
    static func mutate(_ text: String, _ rng: inout SplitMix) -> String {
        var bytes = Array(text.utf8)
        let pieces: [UInt8] = Array("{}[]<>,;:?=@\"\\ \nSet entity action in tags enum type namespace appliesTo __cedar::".utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: bytes.remove(at: at)
            case 1: bytes.insert(pieces.randomElement(using: &rng) ?? 32, at: at)
            default: bytes.swapAt(at, Int.random(in: 0..<bytes.count, using: &rng))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func mutatedSchemasNeverCrash() throws {
        let dir = ValidationFixtureTests.directory
        var rng = SplitMix(state: 42)
        var parsed = 0
        var rejected = 0
        for (hash, _) in try ValidationFixtureTests.cases() {
            let cedar = try String(contentsOf: dir.appendingPathComponent("\(hash).cedarschema"), encoding: .utf8)
            let json = try String(contentsOf: dir.appendingPathComponent("\(hash).cedarschema.json"), encoding: .utf8)
            let policies = try PolicyParser.parsePolicies(String(contentsOf: dir.appendingPathComponent("\(hash).cedar"), encoding: .utf8))
            for _ in 0..<60 {
                for schema in [try? Schema(cedarText: Self.mutate(cedar, &rng)), try? Schema(json: Self.mutate(json, &rng))] {
                    guard let schema else {
                        rejected += 1
                        continue
                    }
                    parsed += 1
                    _ = Validator(schema: schema).validate(policies)
                }
            }
        }
        #expect(parsed > 0 && rejected > 0)
    }
}
