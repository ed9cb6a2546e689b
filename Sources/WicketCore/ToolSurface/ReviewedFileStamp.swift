#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one `stat` of a reviewed-tools path says, compared with what the serving process last read:
/// any difference means the file must be read again (ToolPins.swift).
///
/// Why it is exact for `wicket tools approve`: the CLI writes a temporary file and renames it over
/// the path, so each approval is a new inode. The file Wicket last read stays open (``ReviewedFile``)
/// for as long as its pins are served, so its inode number cannot be reused by a later file while
/// it is compared: a replaced file always has another (device, inode). An edit in place (same
/// inode) changes the size, the modification or the status-change time, each to the nanosecond the
/// file system keeps.
enum ReviewedFileStamp: Equatable, Sendable {
    /// No file at the path (ENOENT, ENOTDIR): trust on first use until one is written.
    case absent
    /// The path cannot be examined (e.g. EACCES): fail closed, every tool of the server is refused.
    case failed(errno: Int32)
    case file(Identity)

    struct Identity: Equatable, Sendable {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let modified: Int64
        let modifiedNanos: Int64
        let changed: Int64
        let changedNanos: Int64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            #if canImport(Darwin)
                modified = Int64(info.st_mtimespec.tv_sec)
                modifiedNanos = Int64(info.st_mtimespec.tv_nsec)
                changed = Int64(info.st_ctimespec.tv_sec)
                changedNanos = Int64(info.st_ctimespec.tv_nsec)
            #else
                modified = Int64(info.st_mtim.tv_sec)
                modifiedNanos = Int64(info.st_mtim.tv_nsec)
                changed = Int64(info.st_ctim.tv_sec)
                changedNanos = Int64(info.st_ctim.tv_nsec)
            #endif
        }
    }

    /// One `stat(2)` of `path`; no lock is held and nothing is read.
    static func of(path: String) -> ReviewedFileStamp {
        of(path: CPath(path))
    }

    /// The same `stat(2)`, of a path already converted to a C string once (``CPath``): a call's check
    /// makes no NUL-terminated copy of the path first.
    static func of(path: CPath) -> ReviewedFileStamp {
        var info = stat()
        // `utf8CString` always ends in a NUL, so the buffer has a base address.
        let status = path.bytes.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { stat($0, &info) } ?? -1 }
        guard status == 0 else {
            let code = errno
            return code == ENOENT || code == ENOTDIR ? .absent : .failed(errno: code)
        }
        return .file(Identity(info))
    }
}

/// A path as the NUL-terminated bytes `stat(2)` takes, made once per published pins instead of once
/// per call (Swift passes a `String` to C through a temporary copy).
struct CPath: Sendable {
    let text: String
    let bytes: ContiguousArray<CChar>

    init(_ text: String) {
        self.text = text
        bytes = text.utf8CString
    }
}

/// A reviewed file opened and read once: its bytes, and the stamp of the very descriptor they were
/// read from (no gap between looking at the file and reading it). The descriptor stays open until
/// the pins read from it are replaced, which keeps the inode from being reused (see above).
final class ReviewedFile: @unchecked Sendable {
    // @unchecked Sendable: `descriptor` is never read or written after init; deinit closes it.
    private let descriptor: Int32
    let stamp: ReviewedFileStamp
    let bytes: [UInt8]

    struct Failure: Error {
        let stamp: ReviewedFileStamp
        let description: String
    }

    /// Largest reviewed file read (a `tools/list` answer; the JSON reader's own limit is the same).
    static let maxBytes = 16 << 20

    init(path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let stamp: ReviewedFileStamp = code == ENOENT || code == ENOTDIR ? .absent : .failed(errno: code)
            throw Failure(stamp: stamp, description: "cannot open `\(path)`: \(String(cString: strerror(code)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw Failure(stamp: .failed(errno: code), description: "cannot examine `\(path)`: \(String(cString: strerror(code)))")
        }
        let stamp = ReviewedFileStamp.file(.init(info))
        guard Int(info.st_size) <= Self.maxBytes else {
            close(fd)
            throw Failure(stamp: stamp, description: "`\(path)` is larger than \(Self.maxBytes) bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                close(fd)
                throw Failure(stamp: stamp, description: "cannot read `\(path)`: \(String(cString: strerror(code)))")
            }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > Self.maxBytes {
                close(fd)
                throw Failure(stamp: stamp, description: "`\(path)` is larger than \(Self.maxBytes) bytes")
            }
        }
        descriptor = fd
        self.stamp = stamp
        self.bytes = bytes
    }

    deinit { close(descriptor) }
}
