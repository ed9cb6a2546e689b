import Foundation
import Testing
import WicketTestSupport

@testable import WicketCore

/// The client address Cedar and the audit see: IPv4-mapped IPv6 as IPv4, dotted quads as they are.
@Suite struct ClientAddressCanonicalTests {
    @Test func mappedAddressesBecomeIPv4AndOthersStay() {
        #expect(ClientAddressResolver.canonical("::ffff:203.0.113.42") == "203.0.113.42")
        #expect(ClientAddressResolver.canonical("::FFFF:10.0.0.1") == "10.0.0.1")
        #expect(ClientAddressResolver.canonical("203.0.113.42") == "203.0.113.42")
        #expect(ClientAddressResolver.canonical("2001:db8::1") == "2001:db8::1")
        #expect(ClientAddressResolver.canonical("not an address") == "not an address")
    }

    @Test("a dotted quad kept as sent is the one rebuilt from its bytes")
    func dottedQuadIsAlreadyCanonical() {
        var generator = SplitMix(seed: 0xAD_D2E5)
        for _ in 0..<2000 {
            let bytes = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = bytes.map(String.init).joined(separator: ".")
            #expect(ClientAddressResolver.canonical(text) == text)
            #expect(ClientAddressResolver.canonical("::ffff:" + text) == text)
        }
        // Forms inet_pton refuses as IPv4 are not IPv4 here either.
        for odd in ["010.0.0.1", "1.2.3", "1.2.3.4.5", "1.2.3.256"] {
            #expect(IPNetwork.parseAddress(odd) == nil, "\(odd)")
        }
    }

    @Test("the form from the resolver's one parse is the form a second parse gave")
    func canonicalFromTheParsedBytes() {
        var generator = SplitMix(seed: 0x0C_A401)
        var texts = [
            "::ffff:203.0.113.42", "::FFFF:10.0.0.1", "203.0.113.42", "2001:db8::1", "::1", "::", "0.0.0.0",
            "::ffff:0.0.0.0", "::ffff:ffff", "64:ff9b::1.2.3.4", "::1.2.3.4", "fe80::1%eth0", "1.2.3.4\u{0}x",
            "::ffff:1.2.3.4\u{0}x",
        ]
        for _ in 0..<500 {
            let bytes = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let quad = bytes.map(String.init).joined(separator: ".")
            texts += [quad, "::ffff:" + quad, "::FFFF:" + quad]
        }
        for text in texts {
            guard let parsed = IPNetwork.parseInline(text.utf8) else { continue }
            #expect(ClientAddressResolver.canonical(text, parsed: parsed) == ClientAddressResolver.canonical(text), "\(text)")
        }
    }
}
