#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text compared, hashed and ordered by its Unicode code points, as Cedar does.
///
/// Swift's `String` compares and hashes by canonical equivalence, so `"Å"` (U+00C5) equals `"Å"`
/// (U+212B) and a dictionary keyed by `String` merges them. Cedar (and the Rust engine) treats them
/// as different strings, and an id or key in another normalisation form must never inherit what its
/// look-alike was granted. Every place the engine compares, hashes or looks up text goes through this
/// type or through ``CodePoints``: record and attribute keys, tags, string values, entity ids, names.
public struct ExactString: Hashable, Comparable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The text itself; compare it only through this type.
    public let string: String
    /// The bytes' SipHash (``CodePoints/hash(_:into:)``), worked out once: record keys and attribute
    /// names are hashed on every lookup, and a key kept in a `static let` (a context record's keys,
    /// say) is then hashed once per process instead of once per request. Nothing invalidates it: the
    /// text is immutable.
    private let cachedHash: Int

    public init(_ string: String) {
        self.string = string
        var h = Hasher()
        CodePoints.hash(string, into: &h)
        cachedHash = h.finalize()
    }
    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { string }

    @inline(__always)
    public static func == (a: ExactString, b: ExactString) -> Bool {
        a.cachedHash == b.cachedHash && CodePoints.equal(a.string, b.string)
    }

    @inline(__always)
    public func hash(into h: inout Hasher) { h.combine(cachedHash) }

    /// Dictionaries and sets ask for this on every lookup; the cached hash already came from a seeded
    /// SipHash, so mixing it with the table's seed is enough (as ``EntityUID`` does).
    @inline(__always)
    public func _rawHashValue(seed: Int) -> Int {
        SeededHash.mix(cachedHash, seed: seed)
    }

    /// Code-point order (the same as UTF-8 byte order), as Rust orders `String`s.
    public static func < (a: ExactString, b: ExactString) -> Bool { CodePoints.less(a.string, b.string) }
}

/// Code-point (UTF-8 byte) equality, hashing and ordering of `String`s.
public enum CodePoints {
    /// Whether `a` and `b` hold the same code points (not merely canonically equivalent ones).
    @inline(__always)
    public static func equal(_ a: String, _ b: String) -> Bool {
        // Identical representations (the same small string, or the same storage object) hold the
        // same bytes: the common case of a short ASCII key or id costs two integer compares.
        if sameRepresentation(a, b) { return true }
        let au = a.utf8
        let bu = b.utf8
        guard au.count == bu.count else { return false }
        if let r = au.withContiguousStorageIfAvailable({ pa in
            bu.withContiguousStorageIfAvailable { pb in
                pa.count == 0 || memcmpEqual(pa, pb)
            }
        }), let r {
            return r
        }
        return au.elementsEqual(bu)
    }

    @inline(__always)
    private static func sameRepresentation(_ a: String, _ b: String) -> Bool {
        guard MemoryLayout<String>.size == 2 * MemoryLayout<UInt64>.size else { return false }
        let x = unsafeBitCast(a, to: (UInt64, UInt64).self)
        let y = unsafeBitCast(b, to: (UInt64, UInt64).self)
        return x.0 == y.0 && x.1 == y.1
    }

    @inline(__always)
    private static func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return a.count == b.count }
        return memcmp(pa, pb, a.count) == 0
    }

    /// Feeds the UTF-8 bytes (and their count, so concatenations differ) to `h`.
    @inline(__always)
    public static func hash(_ s: String, into h: inout Hasher) {
        let u = s.utf8
        h.combine(u.count)
        if u.withContiguousStorageIfAvailable({ h.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for b in u { h.combine(b) }
        }
    }

    /// Code-point order, which is UTF-8 byte order.
    public static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
