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
        // Both sides' bytes in place (a small string's on the stack), compared in one loop: the
        // generic `elementsEqual` over two buffers cost ~240 instructions a call in callgrind, the
        // most of it per byte (round 8b).
        let same: Bool?? = au.withContiguousStorageIfAvailable { pa in
            bu.withContiguousStorageIfAvailable { pb in sameBytes(pa, pb) }
        }
        if let same, let same { return same }
        return au.elementsEqual(bu)
    }

    /// Whether `text` is exactly `bytes` (a name kept as UTF-8 bytes), both read in place: the
    /// generic `text.utf8.elementsEqual(bytes)` walked the string's view one index at a time.
    @inlinable
    public static func equal(_ text: String, bytes: [UInt8]) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == bytes.count else { return false }
        let same = utf8.withContiguousStorageIfAvailable { pa in bytes.withUnsafeBufferPointer { pb in sameBytes(pa, pb) } }
        return same ?? utf8.elementsEqual(bytes)
    }

    /// Whether `text` is exactly the bytes of `literal` (a name written in code): the literal's bytes
    /// are already in place, so only `text`'s are read (the `String` overload reads both sides'
    /// through closures, ~95 instructions a call in callgrind; round 10).
    @inlinable
    public static func equal(_ text: String, literal: StaticString) -> Bool {
        // A one-character literal may be kept as its scalar, without bytes to point at.
        guard literal.hasPointerRepresentation else { return equal(text, literal.description) }
        let utf8 = text.utf8
        guard utf8.count == literal.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return utf8.withContiguousStorageIfAvailable { sameBytes($0, expected) } ?? utf8.elementsEqual(expected)
    }

    /// Whether `bytes` are exactly the bytes of `literal`: for a caller that reads a text's bytes once
    /// and compares them with several names.
    @inlinable
    public static func equal(_ bytes: UnsafeBufferPointer<UInt8>, literal: StaticString) -> Bool {
        guard literal.hasPointerRepresentation else { return bytes.elementsEqual(literal.description.utf8) }
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        return sameBytes(bytes, UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Whether two buffers of the same count hold the same bytes.
    @inlinable
    static func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return a.count == 0 && b.count == 0 }
        var i = 0
        while i < a.count {
            if pa[i] != pb[i] { return false }
            i += 1
        }
        return true
    }

    /// Calls `body` with `text`'s UTF-8 bytes in place (every native string has them contiguous; a
    /// copy only for one that does not): for a reader that walks a text's bytes rather than a
    /// `String.UTF8View`, whose generic index steps cost several times the test made on each byte.
    /// (WicketFastCGI's encoder has its own, `FastCGIResponse.withUTF8`: that module reads no JSON.)
    @inlinable
    public static func withUTF8<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
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
