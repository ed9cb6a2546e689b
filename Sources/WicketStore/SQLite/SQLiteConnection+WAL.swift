import CSQLite

/// The WAL's size as the last commit on a connection left it, reported by SQLite's WAL hook.
///
/// `@unchecked Sendable`: `frames` is written by SQLite inside a commit on the connection's one user
/// (the audit writer's current leader) and read by that same thread right after the commit.
final class WALFrames: @unchecked Sendable {
    var frames = 0
}

extension SQLiteConnection {
    /// Reports the WAL's frame count into `counter` after every commit, and turns off this
    /// connection's own automatic checkpoint (the hook replaces it, as `sqlite3_wal_autocheckpoint`
    /// is itself a WAL hook): whoever installs this hook checkpoints. `counter` must outlive the
    /// connection's commits (the audit writer owns both).
    func reportWALFrames(into counter: WALFrames) {
        let hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
            context, _, _, frames in
            if let context { Unmanaged<WALFrames>.fromOpaque(context).takeUnretainedValue().frames = Int(frames) }
            return SQLITE_OK
        }
        sqlite3_wal_hook(rawHandle, hook, Unmanaged.passUnretained(counter).toOpaque())
    }

    /// A PASSIVE checkpoint: copies as many WAL frames into the database as no reader still needs,
    /// without waiting for readers or writers. Returns the WAL's frames and how many are now copied.
    @discardableResult
    func checkpointPassive() throws(StoreError) -> (frames: Int, copied: Int) {
        var frames: Int32 = 0
        var copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(rawHandle, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        // BUSY: another connection is checkpointing right now; that one does the work.
        if rc & 0xff == SQLITE_BUSY { return (Int(frames), Int(copied)) }
        try check(rc, "checkpoint")
        return (Int(frames), Int(copied))
    }
}
