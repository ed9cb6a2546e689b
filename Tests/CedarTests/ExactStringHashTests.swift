import Foundation
import Testing

@testable import Cedar

/// ``ExactString`` keeps its bytes' hash: the same bytes hash alike however the `String` holding them
/// was made (a small literal, a substring of a long native string, Foundation's bridging), and a
/// canonically equivalent spelling stays another key.
@Suite struct ExactStringHashTests {
    /// The same bytes in differently built `String`s.
    static func spellings(_ text: String) -> [String] {
        let padded = "xxxxxxxxxxxxxxxxxxxxxxxx" + text + "yyyyyyyyyyyyyyyyyyyyyyyy"
        let inner = padded.dropFirst(24).dropLast(24)
        return [
            text, String(inner), String(decoding: Array(text.utf8), as: UTF8.self),
            NSString(string: text).appending(""), String(text.unicodeScalars.map(Character.init)),
        ]
    }

    @Test func theSameBytesAreOneKey() {
        for text in ["hour", "source_ip", "a key longer than fifteen bytes", "é", "Ångström 東京", ""] {
            var table: [ExactString: Int] = [:]
            var seen: Set<ExactString> = []
            for (k, spelling) in Self.spellings(text).enumerated() {
                #expect(Array(spelling.utf8) == Array(text.utf8))
                let key = ExactString(spelling)
                #expect(key == ExactString(text))
                #expect(key.hashValue == ExactString(text).hashValue)
                table[key, default: 0] += k + 1
                seen.insert(key)
            }
            #expect(table.count == 1 && seen.count == 1, "\(text)")
            #expect(table[ExactString(text)] == 15)
        }
    }

    @Test func anEquivalentSpellingIsAnotherKey() {
        let composed = ExactString("\u{00C5}")
        let decomposed = ExactString("A\u{030A}")
        #expect("\u{00C5}" == "A\u{030A}", "the test needs two spellings Swift calls equal")
        #expect(composed != decomposed)
        let table: [ExactString: Int] = [composed: 1, decomposed: 2]
        #expect(table.count == 2 && table[composed] == 1 && table[decomposed] == 2)
        // Nested in a value: a record keyed by one spelling is not the record keyed by the other.
        #expect(Value.record([composed: .long(1)]) != Value.record([decomposed: .long(1)]))
        #expect(Set([Value.record([composed: .long(1)]), Value.record([decomposed: .long(1)])]).count == 2)
    }
}
