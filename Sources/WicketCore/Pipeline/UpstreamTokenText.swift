import WicketStore

/// The upstream `Authorization` value made from a member's opened credential in one pass over its
/// bytes: the scheme it already carries is kept (`Bearer `, `Basic `, `Token `, ASCII case ignored),
/// any other secret is sent as `Bearer <secret>`.
///
/// The same answer as validating the secret as a string, scanning that for control characters and
/// prefixing `"Bearer " + text`, without the intermediate string: the control-character rule is a
/// byte rule (HeaderText.isControl), the scheme is ASCII, and the UTF-8 check is made once, on the
/// final bytes. The value is a copy that cannot be zeroed, as before: it is made once per allowed
/// request and dropped with its answer.
enum UpstreamTokenText {
    enum Failure: Error {
        /// Not UTF-8, or a control character: it cannot be sent as a header.
        case notHeaderText
    }

    static let bearer: StaticString = "Bearer "

    static func header(from secret: Secret) -> Result<String, Failure> {
        secret.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var ascii = true
            for byte in bytes {
                if HeaderText.isControl(byte) { return .failure(.notHeaderText) }
                if byte >= 0x80 { ascii = false }
            }
            if Exchange.schemes.contains(where: { Exchange.hasPrefixIgnoringASCIICase(bytes, $0) }) {
                return text(bytes, ascii: ascii)
            }
            let prefix = bearer.utf8CodeUnitCount
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefix + bytes.count) { buffer in
                bearer.withUTF8Buffer { scheme in
                    for index in 0..<prefix { buffer[index] = scheme[index] }
                }
                for index in bytes.indices { buffer[prefix + index] = bytes[index] }
                return text(UnsafeBufferPointer(buffer), ascii: ascii)
            }
        }
    }

    /// The bytes as a string, or a failure when they are not UTF-8. ASCII bytes are UTF-8 as they
    /// are, so they skip the generic `String(validating:)` (~1,000 instructions for a short token)
    /// for `String(decoding:)`, which gives the same string for them.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> Result<String, Failure> {
        if ascii { return .success(String(decoding: bytes, as: UTF8.self)) }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notHeaderText) }
        return .success(text)
    }
}
