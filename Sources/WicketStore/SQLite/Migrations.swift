/// Ordered schema migrations for one database file, tracked in `PRAGMA user_version`.
///
/// Rule: an entry never changes once released; a schema change is a new entry appended at the end.
/// Entry `n` (0-based) moves the file from `user_version` n to n+1.
struct Migrations {
    let steps: [String]

    /// Applies every step the file has not seen, in one transaction.
    func apply(to connection: SQLiteConnection) throws(StoreError) {
        let current = try connection.scalarInt("PRAGMA user_version") ?? 0
        guard current <= Int64(steps.count) else {
            throw StoreError(
                .schemaTooNew,
                "`\(connection.path)` has schema version \(current), newer than this wicket knows (\(steps.count)); upgrade wicket")
        }
        guard current < Int64(steps.count) else { return }
        try connection.transaction { () throws(StoreError) in
            // Re-read inside the write lock: another process may have migrated meanwhile.
            let locked = try connection.scalarInt("PRAGMA user_version") ?? 0
            for index in Int(locked)..<steps.count {
                try connection.execute(steps[index])
            }
            try connection.execute("PRAGMA user_version = \(steps.count)")
        }
    }
}

extension SQLiteConnection {
    /// Opens a store file the Wicket way: WAL, the given durability, foreign keys on. `pageSize`
    /// applies only to a file that has no pages yet: a file's page size is fixed when it is created.
    static func openStore(
        path: String, synchronous: String, busyTimeoutMilliseconds: Int32 = 5000, pageSize: Int? = nil, vfs: String? = nil
    ) throws(StoreError) -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, vfs: vfs)
        if let pageSize { try connection.execute("PRAGMA page_size = \(pageSize)") }  // before WAL writes the header
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = \(synchronous)")
        try connection.execute("PRAGMA foreign_keys = ON")
        return connection
    }
}
