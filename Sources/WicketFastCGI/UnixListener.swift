import CLinuxIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns the listening Unix socket: creation with the right owner group and mode, refusal to
/// steal a live socket or delete a regular file, and removal of exactly the socket it created.
final class UnixListener: @unchecked Sendable {
    // @unchecked: `fd`, `path` and `inode` are immutable after init; the kernel serialises calls.
    let fd: Int32
    let path: String
    private let inode: UInt64

    /// Binds `path`, applies `mode` and `group` before `listen(2)` (so nginx can never connect to a
    /// socket with the wrong permissions), then listens.
    init(path: String, mode: UInt32, group: String?, backlog: Int32) throws {
        let pathBytes = Array(path.utf8)
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.hasPrefix("/"), !pathBytes.isEmpty, pathBytes.count < capacity, !pathBytes.contains(0) else {
            throw FastCGIError(.invalidSocketPath, "the socket path `\(path)` must be absolute and shorter than \(capacity) bytes")
        }
        let gid = try group.map(Self.groupID)
        try Self.removeStaleSocket(at: path)

        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Self.setupError("create a socket", path) }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let error = Self.setupError("bind", path)
            close(fd)
            throw error
        }
        var info = stat()
        guard chmod(path, mode_t(mode)) == 0,
            gid.map({ chown(path, uid_t.max, $0) == 0 }) ?? true,
            lstat(path, &info) == 0,
            listen(fd, backlog) == 0
        else {
            let error = Self.setupError("set the owner group, mode or listen on", path)
            close(fd)
            unlink(path)
            throw error
        }
        self.fd = fd
        self.path = path
        self.inode = UInt64(info.st_ino)
    }

    /// Makes every blocked and future `accept(2)` on this socket fail at once, and removes the
    /// socket file so nginx sees a missing socket (and answers 503) rather than a full backlog.
    func stopAccepting() {
        removeFileIfOurs()
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Closes the descriptor and removes the socket file. Call only when no thread uses it any more.
    func release() {
        removeFileIfOurs()
        _ = close(fd)
    }

    private func removeFileIfOurs() {
        var info = stat()
        if lstat(path, &info) == 0, UInt64(info.st_ino) == inode, (info.st_mode & S_IFMT) == S_IFSOCK {
            unlink(path)
        }
    }

    /// Removes a socket left by a process that died; refuses when one is still listening there or
    /// when the path holds something else than a socket.
    private static func removeStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw FastCGIError(.socketPathOccupied, "`\(path)` exists and is not a socket; remove it or choose another socket path")
        }
        if Self.someoneListens(at: path) {
            throw FastCGIError(.socketInUse, "another process is listening on `\(path)`; stop it or choose another socket path")
        }
        unlink(path)
    }

    private static func someoneListens(at path: String) -> Bool {
        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return rc == 0
    }

    private static func groupID(_ name: String) throws -> gid_t {
        if let numeric = UInt32(name) { return gid_t(numeric) }
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let rc = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard rc == 0, let found = result else {
            throw FastCGIError(.unknownGroup, "the group `\(name)` does not exist; create it or set the socket group to nginx's group")
        }
        return found.pointee.gr_gid
    }

    private static func setupError(_ action: String, _ path: String) -> FastCGIError {
        let reason = String(cString: strerror(errno))
        return FastCGIError(.socketSetupFailed, "could not \(action) `\(path)`: \(reason.lowercased())")
    }
}
