import CSQLite
import CWALGather

/// The VFS that writes each commit's WAL frames with one write instead of two per page
/// (Sources/CWALGather/wal_gather.c says why that is exact for readers in other processes and for a
/// kill -9). The audit writer's connection opens through it; every other connection uses SQLite's
/// default VFS.
enum WALGather {
    /// The VFS's name once registered (registration runs once, on first use), or nil when SQLite
    /// refused it: the connection then opens through the default VFS and writes as SQLite does.
    static let vfs: String? = {
        _ = sqliteConfigured  // SQLite's process-wide settings first: registering initializes SQLite
        return wicket_wal_gather_register() == SQLITE_OK ? WICKET_WAL_GATHER_VFS : nil
    }()

    /// What the gathering did on `connection`'s WAL: the writes SQLite asked for, and those that
    /// reached the file (all of them, and those not made by a commit frame's own write). Nil when the
    /// connection's WAL is not open through this VFS.
    static func stats(of connection: SQLiteConnection) -> (writes: Int, flushes: Int, otherFlushes: Int)? {
        var stats = wicket_wal_gather_stats()
        guard let handle = connection.rawHandle, wicket_wal_gather_stats_of(handle, &stats) == SQLITE_OK else { return nil }
        return (Int(stats.writes), Int(stats.flushes), Int(stats.otherFlushes))
    }
}
