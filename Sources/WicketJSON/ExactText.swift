/// Byte-exact comparison and hashing of text.
///
/// Swift's `String ==` and `hashValue` follow Unicode canonical equivalence (U+212A KELVIN SIGN equals
/// `K`, a precomposed `é` equals `e` + U+0301); JSON keys, Cedar strings and tool names must be the
/// same bytes to be the same. For valid UTF-8 (all a `String` holds), same bytes is same code points.
public enum ExactText {
    /// Whether `a` and `b` are the same UTF-8 bytes.
    @inlinable
    public static func equal(_ a: String, _ b: String) -> Bool {
        let au = a.utf8
        let bu = b.utf8
        guard au.count == bu.count else { return false }
        // Both sides' bytes in place (a small string's on the stack): one tight loop over two buffers
        // instead of walking two `UTF8View` indexes byte by byte.
        let same: Bool?? = au.withContiguousStorageIfAvailable { pa in
            bu.withContiguousStorageIfAvailable { pb in pa.elementsEqual(pb) }
        }
        if let same, let same { return same }
        return au.elementsEqual(bu)
    }

    /// Feeds `text`'s UTF-8 bytes (and their count, so concatenations differ) to `hasher`.
    @inlinable
    public static func hash(_ text: String, into hasher: inout Hasher) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in text.utf8 { hasher.combine(byte) } }
        hasher.combine(text.utf8.count)
    }
}

/// A string used as a set or dictionary key by its bytes (see ``ExactText``).
struct ExactKey: Hashable {
    let text: String
    static func == (a: ExactKey, b: ExactKey) -> Bool { ExactText.equal(a.text, b.text) }
    func hash(into hasher: inout Hasher) { ExactText.hash(text, into: &hasher) }
}
