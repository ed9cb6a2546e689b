#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which FastCGI params the reader keeps. nginx sends every `fastcgi_params` line and every client
/// header as `HTTP_*` — 20 to 40 params a request — and a handler reads about a dozen. With
/// ``only(_:)`` the reader compares each param's name *bytes* with these names (no `String` is made
/// for a name, and the kept name is the selection's own string, shared by every request) and makes
/// a `String` only of the values it keeps. Byte comparison also means a name matches only when its
/// bytes are identical, never a canonically equivalent spelling.
public struct FastCGIParamSelection: Sendable, Equatable {
    /// Every param, in arrival order (tests and tools).
    public static let all = FastCGIParamSelection(names: nil)

    /// Only params named exactly (byte for byte) one of `names`; every occurrence of each is kept,
    /// in arrival order, so the first-value rule of ``FastCGIRequest/subscript(param:)`` still holds.
    public static func only(_ names: [String]) -> FastCGIParamSelection {
        FastCGIParamSelection(names: names)
    }

    /// nil keeps every param.
    public let names: [String]?
    /// The kept names, grouped by byte count (`entries[starts[n]..<starts[n + 1]]` are the names of
    /// `n` bytes): one flat array, so a lookup touches no inner array and copies no tuple.
    private let entries: [Entry]
    private let starts: [Int]
    /// Whether `FCGI_ROLE` (the param the reader adds itself, as libfcgi did) is kept: decided once
    /// here, not per request.
    let keepsRole: Bool

    /// One kept name: its first (up to) eight bytes as one word, which decides almost every miss
    /// without a call, and the rest compared by `memcmp`.
    private struct Entry {
        let head: UInt64
        let bytes: [UInt8]
        let name: String
    }

    private init(names: [String]?) {
        self.names = names
        var byLength: [[(bytes: [UInt8], name: String)]] = []
        for name in names ?? [] {
            let bytes = Array(name.utf8)
            guard !bytes.isEmpty, !bytes.contains(0), !bytes.contains(UInt8(ascii: "=")) else { continue }
            while byLength.count <= bytes.count { byLength.append([]) }
            if !byLength[bytes.count].contains(where: { $0.bytes == bytes }) { byLength[bytes.count].append((bytes, name)) }
        }
        var entries: [Entry] = []
        var starts: [Int] = []
        for group in byLength {
            starts.append(entries.count)
            for (bytes, name) in group {
                let head = bytes.withUnsafeBytes { raw in raw.baseAddress.map { Self.head($0, length: raw.count) } ?? 0 }
                entries.append(Entry(head: head, bytes: bytes, name: name))
            }
        }
        starts.append(entries.count)
        self.entries = entries
        self.starts = starts
        keepsRole = names?.contains { $0.utf8.elementsEqual("FCGI_ROLE".utf8) } ?? true
    }

    /// The first `min(length, 8)` bytes at `bytes` as a word (the rest zero); `length` ≥ 1.
    @inline(__always)
    private static func head(_ bytes: UnsafeRawPointer, length: Int) -> UInt64 {
        if length >= 8 { return bytes.loadUnaligned(as: UInt64.self) }
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: length)) }
        return word
    }

    public static func == (lhs: FastCGIParamSelection, rhs: FastCGIParamSelection) -> Bool {
        lhs.names == rhs.names
    }

    /// Whether a param named `name` is kept.
    public func keeps(_ name: String) -> Bool {
        guard names != nil else { return true }
        var bytes = Array(name.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return false }
                return match(base, length: chars.count - 1) != nil
            }
        }
    }

    /// The selection's own string for the `length`-byte name at `name`, or nil when it is not kept.
    /// Only valid for a selection made with ``only(_:)``. Equal means the same bytes: the same count,
    /// the same first word, the same rest.
    @inline(__always)
    func match(_ name: UnsafePointer<CChar>, length: Int) -> String? {
        guard length > 0, length < starts.count - 1 else { return nil }
        var index = starts[length]
        let end = starts[length + 1]
        guard index < end else { return nil }
        let raw = UnsafeRawPointer(name)
        let head = Self.head(raw, length: length)
        while index < end {
            if entries[index].head == head {
                if length <= 8 { return entries[index].name }
                let same = entries[index].bytes.withUnsafeBytes { bytes in
                    bytes.baseAddress.map { memcmp($0 + 8, raw + 8, length - 8) == 0 } ?? false
                }
                if same { return entries[index].name }
            }
            index += 1
        }
        return nil
    }
}
