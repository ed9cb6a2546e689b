import Foundation
import Testing

@testable import WicketCore

/// Header text on the allow path, checked byte by byte without copies.
@Suite struct HeaderTextTests {
    @Test func sanitizeReplacesControlCharactersAndKeepsTheRest() {
        #expect(HeaderText.sanitize("a, b") == "a, b")
        #expect(HeaderText.sanitize("a\r\nSet-Cookie: x") == "a  Set-Cookie: x")
        #expect(HeaderText.sanitize("caf\u{E9}\u{7F}\u{0}") == "caf\u{E9}  ")
        #expect(HeaderText.isSafe("\u{1F600} \u{E9}") && !HeaderText.isSafe("a\tb") && !HeaderText.isSafe("\u{7F}"))
    }

    @Test("a stored credential's scheme is recognised by ASCII case only")
    func schemePrefix() {
        for text in ["Bearer abc", "bearer abc", "BASIC dXNlcg==", "Token t", "tOkEn t"] {
            #expect(Exchange.schemes.contains { Exchange.hasPrefixIgnoringASCIICase(text, $0) }, "\(text)")
        }
        // Not a scheme: no space, a Kelvin sign that lowercases to `k`, a prefix of a prefix, empty.
        for text in ["Bearerabc", "To\u{212A}en t", "bear", "", "Bearer", "\u{130}basic x"] {
            #expect(!Exchange.schemes.contains { Exchange.hasPrefixIgnoringASCIICase(text, $0) }, "\(text)")
        }
    }
}
