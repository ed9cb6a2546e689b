import Testing

@testable import WicketStore

@Suite struct PresentedKeyTests {
    static let secret43 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  // bytes 0…31

    @Test func parsesAWellFormedKey() throws {
        let key = try PresentedKey.parse("wk_acme-1_0123456789abcdef_\(Self.secret43)")
        #expect(key.tenant == "acme-1")
        #expect(key.keyID == "0123456789abcdef")
        #expect(key.secret == Array(0...31))
        #expect(key.keyString == "wk_acme-1_0123456789abcdef_\(Self.secret43)")
    }

    @Test func aKeyReadInPlaceInASliceIsTheWholeSliceAndNothingAround() throws {
        let header = "Bearer wk_acme-1_0123456789abcdef_\(Self.secret43)xyz"
        let start = header.index(header.startIndex, offsetBy: 7)
        let slice = header[start..<header.index(header.endIndex, offsetBy: -3)]
        let key = try PresentedKey.parse(slice)
        #expect(key.tenant == "acme-1" && key.keyID == "0123456789abcdef" && key.secret == Array(0...31))
        // The bytes after the slice are not part of the key: one more character is a bad secret.
        let longer = header[start...]
        do {
            _ = try PresentedKey.parse(longer)
            Issue.record("a key with a character too many was accepted")
        } catch {
            #expect(error.code == .badSecret)
        }
    }

    @Test func base64URLRoundTripsWithUnderscoreAndDash() throws {
        let bytes: [UInt8] = (0..<32).map { UInt8(255 - $0) }  // encodes to chars incl. `_` and `-`
        let encoded = Base64URL.encode(bytes)
        #expect(encoded.count == 43)
        #expect(encoded.contains("_") || encoded.contains("-"))
        let key = try PresentedKey.parse("wk_t_0000000000000000_\(encoded)")
        #expect(key.secret == bytes)
    }

    /// `decode32` (written into the array's storage) against a bit-by-bit reference, on every 32-byte
    /// value's encoding and on 43 characters drawn from the alphabet and a few bytes outside it.
    @Test func decode32MatchesABitByBitReference() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        func reference(_ chars: [UInt8]) -> [UInt8]? {
            guard chars.count == 43 else { return nil }
            var bits: [UInt8] = []
            for c in chars {
                guard let v = alphabet.firstIndex(of: c) else { return nil }
                for shift in (0..<6).reversed() { bits.append(UInt8((v >> shift) & 1)) }
            }
            // 258 bits: 32 bytes and two padding bits that must be zero (one spelling per key).
            guard bits[256] == 0, bits[257] == 0 else { return nil }
            return (0..<32).map { byte in (0..<8).reduce(UInt8(0)) { $0 << 1 | bits[byte * 8 + $1] } }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let outside: [UInt8] = [0, UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "/"), 0xC3, 0x7F]
        for round in 0..<3000 {
            var chars: [UInt8]
            if round % 3 == 0 {
                chars = Array(Base64URL.encode((0..<32).map { _ in UInt8(truncatingIfNeeded: next()) }).utf8)
            } else {
                chars = (0..<43).map { _ in alphabet[Int(next() % 64)] }
                if round % 7 == 1 { chars[Int(next() % 43)] = outside[Int(next() % UInt64(outside.count))] }
            }
            let decoded = Base64URL.decode32(chars)
            #expect(decoded == reference(chars), "round \(round)")
        }
        #expect(Base64URL.decode32(Array(Self.secret43.utf8.dropLast())) == nil)
    }

    @Test(arguments: [
        ("", KeyFormatError.Code.empty),
        ("Bearer x", .badPrefix),
        ("wk_", .truncated),
        ("wk_acme", .truncated),
        ("wk__0123456789abcdef_\(secret43)", .badTenant),
        ("wk_ACME_0123456789abcdef_\(secret43)", .badTenant),
        ("wk_acme.corp_0123456789abcdef_\(secret43)", .badTenant),
        ("wk_\(String(repeating: "a", count: 33))_0123456789abcdef_\(secret43)", .tooLong),
        ("wk_\(String(repeating: "a", count: 33))_0123", .badTenant),
        ("wk_acme_0123456789ABCDEF_\(secret43)", .badKeyID),
        ("wk_acme_0123456789abcdeg_\(secret43)", .badKeyID),
        ("wk_acme_0123456789abcdef0_\(secret43)", .badKeyID),
        ("wk_acme_0123", .truncated),
        ("wk_acme_0123456789abcdef_", .truncated),
        ("wk_acme_0123456789abcdef_\(secret43.dropLast())", .truncated),
        ("wk_acme_0123456789abcdef_\(secret43)A", .badSecret),
        ("wk_acme_0123456789abcdef_\(secret43.dropLast())+", .badSecret),
        ("wk_acme_0123456789abcdef_\(secret43.dropLast())=", .badSecret),
        ("wk_acme_0123456789abcdef_\(secret43.dropLast())é", .badSecret),
        ("wk_acme_0123456789abcdef_\(secret43.dropLast())9", .badSecret),  // same bytes, non-zero padding bits
        ("wk_acme_0123456789abcdef_\(secret43.dropLast(2))\0A", .badSecret),
        ("wk_acme_0123456789abcdef_\(secret43)\n", .badSecret),
        ("wk_\(String(repeating: "a", count: 32))_0123456789abcdef_\(secret43) ", .tooLong),
        (String(repeating: "x", count: 100_000), .tooLong),
    ])
    func rejectsMalformedKeys(text: String, code: KeyFormatError.Code) {
        #expect(throws: KeyFormatError.self) { try PresentedKey.parse(text) }
        // Read in place from a slice of a longer header, the same key gives the same error.
        let header = "Bearer " + text + " trailing"
        let start = header.index(header.startIndex, offsetBy: 7)
        let slice = header[start..<header.index(start, offsetBy: text.count)]
        do {
            _ = try PresentedKey.parse(slice)
            Issue.record("a malformed key read in place was accepted")
        } catch {
            #expect(error.code == code)
        }
        do {
            _ = try PresentedKey.parse(text)
        } catch {
            #expect(error.code == code)
            #expect(!error.message.contains(Self.secret43.prefix(10)))
        }
    }

    @Test func descriptionHidesTheSecret() throws {
        let key = try PresentedKey.parse("wk_acme_0123456789abcdef_\(Self.secret43)")
        #expect(!"\(key)".contains(Self.secret43))
        #expect(!String(reflecting: key).contains(Self.secret43))
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("0, 1, 2") && !dumped.contains("- 31"))
        #expect(dumped.contains("redacted"))
    }
}
