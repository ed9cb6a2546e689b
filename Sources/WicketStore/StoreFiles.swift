import Foundation

/// File-system helpers shared by the stores of one tenant directory.
enum StoreFiles {
    /// Creates the tenant directory (mode 0700) if it is missing.
    static func ensureDirectory(_ directory: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.openFailed, "`\(directory)` exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.openFailed, "cannot create the tenant directory `\(directory)`: \(error.localizedDescription)")
        }
    }

    /// Creates `path` with mode 0600 before SQLite opens it, so the database (and its -wal/-shm,
    /// which SQLite creates with the database's mode) is never readable by group or other.
    static func ensurePrivateFile(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(.openFailed, "cannot create `\(path)`: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // An existing file made with a looser mode (by hand, or a copy) is tightened.
        var info = stat()
        if fstat(fd, &info) == 0 && info.st_mode & 0o077 != 0 {
            fchmod(fd, info.st_mode & 0o700)
        }
    }

    static func join(_ directory: String, _ file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }

    /// Microseconds since the Unix epoch.
    static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }

    static func date(micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
}
