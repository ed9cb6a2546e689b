import CSQLite
import Foundation
import Synchronization

/// Tells whether any connection, in this process or another, has committed to one WAL database file
/// since the last look, in a few hundred nanoseconds, without a read transaction or a syscall.
///
/// How: in WAL mode every SQLite connection on a file shares its wal-index (the `-shm` file, mapped
/// into memory), whose 48-byte header is rewritten by every commit before the writer releases its
/// lock and returns (https://sqlite.org/walformat.html, "the wal-index header"): `iChange` counts
/// commits, `mxFrame` is the last frame, and a WAL restart changes the salts. SQLite's own readers
/// decide "has the database changed" by comparing this header with the one they saw last; this
/// watch does the same, reading SQLite's mapping of it through the VFS (`xShmMap`) of a connection
/// it keeps open, which also keeps the file from being reset under it.
///
/// Exact, and conservative where it cannot be:
/// - a writer stores the header's second copy, then (after a full memory barrier) the first; the
///   watch reads the first, an acquiring fence, then the second, so a commit in progress shows as
///   two copies that differ and is reported as a change (and the next look is a change too: `last`
///   is forgotten). The fence is the reader's half of the writer's barrier: a first copy that shows
///   the writer's later store guarantees the second copy read after the fence shows its earlier one.
///   It is not the VFS's `xShmBarrier`, which on unix also takes and drops SQLite's one global
///   mutex "for redundancy": three of those per request, across every thread, for nothing;
/// - a commit that returned before `changed()` began has written both copies, so it is seen;
/// - a checkpoint that restarts the log also rewrites the header: a change with no new data, which
///   only costs a re-read;
/// - equal headers after a change would need 2^32 commits between two looks (`iChange` wraps).
/// When the file is not in WAL mode (no wal-index), `PRAGMA data_version` on the watch's own
/// connection answers instead: it changes whenever another connection commits, and the watch's
/// connection never writes.
///
/// Not thread-safe: the owner calls it under its own lock.
final class CommitWatch {
    private let connection: SQLiteConnection
    /// SQLite's mapping of the wal-index's first region, valid while `connection` is open.
    private let header: UnsafeRawPointer?
    /// The VFS's barrier, only for a macOS older than 15 (no `atomicMemoryFence`).
    private let file: UnsafeMutablePointer<sqlite3_file>?
    private let barrier: (@convention(c) (UnsafeMutablePointer<sqlite3_file>?) -> Void)?
    /// Three header-sized slots, allocated once: the first copy, the second copy, the last one seen.
    private let slots = UnsafeMutableRawBufferPointer.allocate(byteCount: 3 * headerSize, alignment: 8)
    private var hasLast = false
    private var lastDataVersion: Int64?

    static let headerSize = 48

    init(path: String) throws(StoreError) {
        connection = try SQLiteConnection(path: path)
        // A first read opens the WAL and maps the wal-index (running recovery if it is needed).
        lastDataVersion = try connection.scalarInt("PRAGMA data_version")
        let mode = try connection.statement("PRAGMA journal_mode")
        let wal = try mode.step() && mode.text(0) == "wal"
        mode.reset()
        var file: UnsafeMutablePointer<sqlite3_file>?
        var mapped: UnsafeMutableRawPointer?
        if wal, let handle = connection.rawHandle,
            sqlite3_file_control(handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
            let methods = file?.pointee.pMethods, methods.pointee.iVersion >= 2,
            let map = methods.pointee.xShmMap, let barrier = methods.pointee.xShmBarrier,
            // Region 0 (32 KiB) holds the header; bExtend 0: map what exists, never create.
            map(file, 0, 32768, 0, &mapped) == SQLITE_OK, let mapped
        {
            self.file = file
            self.barrier = barrier
            header = UnsafeRawPointer(mapped)
        } else {
            self.file = nil
            barrier = nil
            header = nil
        }
        _ = try changed()
    }

    deinit { slots.deallocate() }

    /// Whether anything may have been committed since the previous call (always true after a torn
    /// read). Throws only when the fallback pragma cannot run.
    func changed() throws(StoreError) -> Bool {
        guard let header, let barrier, let base = slots.baseAddress else {
            let version = try connection.scalarInt("PRAGMA data_version")
            defer { lastDataVersion = version }
            return version != lastDataVersion
        }
        let size = Self.headerSize
        let first = base
        let second = base + size
        let last = base + 2 * size
        first.copyMemory(from: header, byteCount: size)
        if #available(macOS 15, *) { atomicMemoryFence(ordering: .acquiring) } else { barrier(file) }
        second.copyMemory(from: header + size, byteCount: size)
        // isInit (byte 12) is 0 while the index is being rebuilt: no consistent view, a change.
        guard memcmp(first, second, size) == 0, first.load(fromByteOffset: 12, as: UInt8.self) != 0 else {
            hasLast = false
            return true
        }
        let same = hasLast && memcmp(first, last, size) == 0
        last.copyMemory(from: first, byteCount: size)
        hasLast = true
        return !same
    }
}
