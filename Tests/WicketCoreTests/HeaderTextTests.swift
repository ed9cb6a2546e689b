import Foundation
import Testing

@testable import WicketCore
@testable import WicketStore

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
            #expect(Exchange.schemes.contains { Exchange.hasPrefixIgnoringASCIICase(text.utf8, $0) }, "\(text)")
        }
        // Not a scheme: no space, a Kelvin sign that lowercases to `k`, a prefix of a prefix, empty.
        for text in ["Bearerabc", "To\u{212A}en t", "bear", "", "Bearer", "\u{130}basic x"] {
            #expect(!Exchange.schemes.contains { Exchange.hasPrefixIgnoringASCIICase(text.utf8, $0) }, "\(text)")
        }
    }

    @Test("the upstream header from an opened credential is what the string-by-string rule gave")
    func upstreamTokenText() {
        // The rule before it read the bytes in one pass: a UTF-8 string, no control character, its
        // scheme kept or `Bearer ` put in front.
        func byStrings(_ bytes: [UInt8]) -> String? {
            guard let text = String(validating: bytes, as: UTF8.self), HeaderText.isSafe(text) else { return nil }
            return Exchange.schemes.contains(where: { Exchange.hasPrefixIgnoringASCIICase(text.utf8, $0) }) ? text : "Bearer " + text
        }
        let cases: [[UInt8]] = [
            Array("ghp_abc".utf8), Array("Bearer abc".utf8), Array("bAsIc dXNlcg==".utf8), Array("token t".utf8),
            Array("Bearerabc".utf8), Array("To\u{212A}en t".utf8), Array("caf\u{E9} \u{1F600}".utf8), [],
            Array("a\r\nSet-Cookie: x".utf8), Array("x\u{7F}".utf8), Array("tab\there".utf8),
            [0x62, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xFF], [0xC3], [0xED, 0xA0, 0x80], Array("bear".utf8),
            Array(repeating: 0x61, count: 5000),
        ]
        for bytes in cases {
            let secret = bytes.withUnsafeBytes { Secret(copying: $0) }
            let made: String?
            switch UpstreamTokenText.header(from: secret) {
            case .success(let text): made = text
            case .failure: made = nil
            }
            #expect(made.map { Array($0.utf8) } == byStrings(bytes).map { Array($0.utf8) }, "\(bytes.prefix(12))")
        }
    }
}
