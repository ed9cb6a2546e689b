import Foundation

/// A request id for a request nginx sent none for (`wicket serve` behind the include always gets
/// nginx's `$request_id`; the CLI, tests and a bare FastCGI client do not): 128 random bits as 32
/// lowercase hex digits, as nginx makes them.
///
/// One `arc4random_buf` for the 16 bytes and the digits written straight into the string, instead of
/// two `UInt64.random` calls (a syscall each) and four intermediate strings.
enum FreshRequestID {
    static func make() -> String {
        var bytes: (UInt64, UInt64) = (0, 0)
        // The C library's CSPRNG (glibc ≥ 2.36 and the BSDs): one getrandom(2) for all 16 bytes.
        withUnsafeMutableBytes(of: &bytes) { raw in
            if let base = raw.baseAddress { arc4random_buf(base, raw.count) }
        }
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: &bytes) { raw in
            String(unsafeUninitializedCapacity: 32) { out in
                digits.withUTF8Buffer { hex in
                    for k in 0..<16 {
                        out[2 * k] = hex[Int(raw[k] >> 4)]
                        out[2 * k + 1] = hex[Int(raw[k] & 0x0F)]
                    }
                }
                return 32
            }
        }
    }
}
