/// Mixes a hash worked out once (a seeded SipHash kept beside immutable text) with a dictionary's
/// per-table seed. Dictionaries and sets ask for `_rawHashValue(seed:)` on every lookup; the kept hash
/// already came from the process's seeded Hasher, so a 64-bit finalizer over it and the table's seed
/// is enough and skips a full Hasher round (``ExactString``, ``EntityUID``).
@usableFromInline
enum SeededHash {
    @inline(__always) @usableFromInline
    static func mix(_ cachedHash: Int, seed: Int) -> Int {
        var x = UInt64(bitPattern: Int64(cachedHash ^ seed))
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        return Int(Int64(bitPattern: x))
    }
}
