import Foundation

/// A decrypted credential, held in memory for one use and zeroed when released.
///
/// Its description, debug description and mirror are redacted, so it cannot leak through string
/// interpolation, `dump` or a log line by accident.
public final class Secret: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    // @unchecked Sendable: the buffer is written once in init and only read afterwards.
    private let buffer: UnsafeMutableRawBufferPointer

    init(copying bytes: UnsafeRawBufferPointer) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        if let base = bytes.baseAddress, bytes.count > 0 {
            buffer.baseAddress?.copyMemory(from: base, byteCount: bytes.count)
        }
        count = bytes.count
    }

    deinit {
        if let base = buffer.baseAddress { explicit_bzero(base, buffer.count) }
        buffer.deallocate()
    }

    /// The number of bytes.
    public let count: Int

    /// Calls `body` with the secret bytes; do not let them escape.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// The secret as UTF-8 text (for the `X-Wicket-Token` header), or nil when it is not valid UTF-8.
    /// The returned string is a copy that cannot be zeroed: use it once and drop it.
    public func utf8String() -> String? {
        withUnsafeBytes { String(validating: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
    }

    public var description: String { "Secret(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
