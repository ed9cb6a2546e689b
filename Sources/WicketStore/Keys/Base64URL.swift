/// Unpadded base64url (RFC 4648 §5), strict: only the canonical encoding is accepted.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = (b0 << 16) | (b1 << 8) | b2
            let chars = min(4, (bytes.count - i) * 8 / 6 + 1)
            for k in 0..<chars { out.append(alphabet[Int((n >> (18 - 6 * UInt32(k))) & 63)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func value(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        default: return nil
        }
    }

    /// Decodes exactly 43 characters into 32 bytes; nil for any other character, or non-zero
    /// padding bits in the last character (a second spelling of the same key).
    static func decode32(_ chars: [UInt8]) -> [UInt8]? {
        chars.withUnsafeBufferPointer { decode32($0) }
    }

    /// `decode32` over characters in place (a presented key's bytes), written straight into the
    /// array's storage: 32 `append`s each checked the capacity and the count.
    static func decode32(_ chars: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard chars.count == 43 else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: 32) { buffer, initialized in
            var accumulator: UInt32 = 0
            var bits = 0
            var written = 0
            for c in chars {
                guard let v = value(c) else {
                    valid = false
                    break
                }
                accumulator = (accumulator << 6) | v
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    // 43 characters give 258 bits: 32 whole bytes, never a 33rd.
                    buffer[written] = UInt8((accumulator >> UInt32(bits)) & 0xff)
                    written += 1
                    accumulator &= (1 << UInt32(bits)) - 1
                }
            }
            if bits != 2 || accumulator != 0 || written != 32 { valid = false }
            initialized = written
        }
        return valid ? out : nil
    }
}
