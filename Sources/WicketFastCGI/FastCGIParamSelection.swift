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
    /// `byLength[n]`: the kept names of `n` bytes, with their bytes.
    private let byLength: [[(bytes: [UInt8], name: String)]]
    /// Whether `FCGI_ROLE` (the param the reader adds itself, as libfcgi did) is kept: decided once
    /// here, not per request.
    let keepsRole: Bool

    private init(names: [String]?) {
        self.names = names
        var table: [[(bytes: [UInt8], name: String)]] = []
        for name in names ?? [] {
            let bytes = Array(name.utf8)
            guard !bytes.isEmpty, !bytes.contains(0), !bytes.contains(UInt8(ascii: "=")) else { continue }
            while table.count <= bytes.count { table.append([]) }
            if !table[bytes.count].contains(where: { $0.bytes == bytes }) { table[bytes.count].append((bytes, name)) }
        }
        byLength = table
        keepsRole = names?.contains { $0.utf8.elementsEqual("FCGI_ROLE".utf8) } ?? true
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
    /// Only valid for a selection made with ``only(_:)``.
    func match(_ name: UnsafePointer<CChar>, length: Int) -> String? {
        guard length < byLength.count else { return nil }
        for candidate in byLength[length] {
            let same = candidate.bytes.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return false }
                return memcmp(base, name, length) == 0
            }
            if same { return candidate.name }
        }
        return nil
    }
}
