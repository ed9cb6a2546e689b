import Crypto
import Foundation

/// The key that seals upstream credentials at rest: 32 random bytes in a file of mode 0600.
///
/// Its `id` (16 hex digits derived from the key by SHA-256) is stored beside each sealed row so that
/// during a rotation rows sealed under the old and the new key can both be opened.
// @unchecked Sendable: `SymmetricKey` is not marked Sendable on Linux, but it is immutable after
// init (its byte storage is never written again), so sharing it between threads is safe.
public struct MasterKey: @unchecked Sendable, CustomStringConvertible {
    /// A public fingerprint of the key, safe to log and store.
    public let id: String
    let key: SymmetricKey

    static let length = 32

    init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
        let digest = SHA256.hash(data: Array("wicket master key id v1\0".utf8) + bytes)
        id = digest.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    public var description: String { "MasterKey(\(id), <redacted>)" }

    /// Creates a new random key in a new file (`O_CREAT|O_EXCL`, mode 0600): never overwrites.
    public static func create(at path: String) throws(StoreError) -> MasterKey {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        defer { zero(&bytes) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "the file already exists" : String(cString: strerror(errno))
            throw StoreError(.masterKey, "cannot create master key `\(path)`: \(reason)")
        }
        defer { close(fd) }
        // The umask can only remove bits, but make the mode explicit anyway.
        fchmod(fd, 0o600)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == length, fsync(fd) == 0 else {
            unlink(path)
            throw StoreError(.masterKey, "cannot write master key `\(path)`: \(String(cString: strerror(errno)))")
        }
        return MasterKey(bytes: bytes)
    }

    /// Loads a key file, refusing anything but a regular file of exactly 32 bytes with no
    /// group or other permission bits.
    public static func load(from path: String) throws(StoreError) -> MasterKey {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw StoreError(.masterKey, "cannot open master key `\(path)`: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw StoreError(.masterKey, "cannot stat master key `\(path)`: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError(.masterKey, "master key `\(path)` is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw StoreError(.masterKey, "master key `\(path)` has mode \(mode); it must not be readable by group or other (chmod 600)")
        }
        guard info.st_size == off_t(length) else {
            throw StoreError(.masterKey, "master key `\(path)` must be exactly \(length) bytes, found \(info.st_size)")
        }
        var bytes = [UInt8](repeating: 0, count: length)
        defer { zero(&bytes) }
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, length) }
        guard count == length else {
            throw StoreError(.masterKey, "cannot read master key `\(path)`")
        }
        return MasterKey(bytes: bytes)
    }

    static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { explicit_bzero(base, buffer.count) }
        }
    }
}
