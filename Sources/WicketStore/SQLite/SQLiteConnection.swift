import CSQLite

/// The destructor sentinel telling SQLite to copy bound text/blobs (the C macro is not importable).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// SQLite's process-wide settings, applied once before SQLite's first use (a global's initializer
/// runs once, thread-safely): no memory statistics (a global mutex per allocation). Read before any
/// call into SQLite: by a connection's init, and by the WAL-gathering VFS's registration
/// (WALGather.swift), whose `sqlite3_vfs_find` initializes SQLite, after which the setting is
/// refused (SQLITE_MISUSE) and every allocation of the process takes the mutex.
let sqliteConfigured: Int32 = wicket_sqlite3_disable_memstatus()

/// One SQLite connection: the only owner of its `sqlite3*` handle and of the statements prepared on it.
///
/// `@unchecked Sendable`: a connection is moved between threads (pool, whichever caller leads a group commit) but used by one
/// thread at a time; the pool and the audit writer guarantee that exclusivity. SQLite itself is opened
/// with `SQLITE_OPEN_NOMUTEX` for that reason (multi-thread mode, one user per connection).
final class SQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Prepared statements by SQL text; they live as long as the connection.
    private var cache: [String: SQLiteStatement] = [:]
    let path: String

    /// Opens (or creates) a database file; `vfs` names a registered VFS (nil: SQLite's default).
    init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000, vfs: String? = nil) throws(StoreError) {
        self.path = path
        _ = sqliteConfigured
        var db: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
        let rc = sqlite3_open_v2(path, &db, flags, vfs)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(.openFailed, "cannot open database `\(path)`: \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        cache.removeAll()  // statements finalize before the handle closes
        sqlite3_close_v2(handle)
    }

    /// Turns a SQLite return code into a `StoreError` carrying SQLite's message (never bound values).
    @discardableResult
    func check(_ rc: Int32, _ what: @autoclosure () -> String) throws(StoreError) -> Int32 {
        if rc == SQLITE_OK { return rc }
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        let primary = rc & 0xff
        let code: StoreError.Code = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? .busy : .sqlite
        throw StoreError(code, "\(what()) failed in `\(path)`: \(message) (sqlite code \(rc))")
    }

    /// Runs SQL without parameters or results (pragmas, DDL, transaction control).
    func execute(_ sql: String) throws(StoreError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), "statement")
    }

    /// Returns the cached prepared statement for `sql`, reset and with bindings cleared.
    func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        var stmt: OpaquePointer?
        try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil), "prepare")
        guard let stmt else { throw StoreError(.sqlite, "prepare returned no statement in `\(path)`") }
        let statement = SQLiteStatement(stmt, connection: self)
        cache[sql] = statement
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on error.
    func transaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// A single integer from a pragma or query.
    func scalarInt(_ sql: String) throws(StoreError) -> Int64? {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        return try stmt.step() ? stmt.int64(0) : nil
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// No transaction is open (SQLite's autocommit mode).
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }
    var changes: Int { Int(sqlite3_changes(handle)) }

    var rawHandle: OpaquePointer? { handle }

    /// Whether SQLite keeps memory statistics in this process (`sqliteConfigured` came too late; for tests).
    static var countsMemory: Bool { sqlite3_memory_used() > 0 }
}

/// A prepared statement owned by its connection's cache.
final class SQLiteStatement {
    private let stmt: OpaquePointer
    private unowned let connection: SQLiteConnection

    fileprivate init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    /// Binds values by position (1-based, in order). `nil` binds NULL.
    func bind(_ values: SQLiteValue?...) throws(StoreError) {
        try bind(values)
    }

    /// Binds `values` to the parameters numbered from `first` on (a multi-row insert binds each row in turn).
    func bind(_ values: [SQLiteValue?], from first: Int32 = 1) throws(StoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset) + first
            let rc: Int32
            switch value {
            case nil: rc = sqlite3_bind_null(stmt, index)
            case .integer(let v): rc = sqlite3_bind_int64(stmt, index, v)
            case .text(let v): rc = sqlite3_bind_text(stmt, index, v, -1, sqliteTransient)
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { buffer in
                    // A zero-length blob must still bind as a blob, not NULL: bind_zeroblob does.
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        return sqlite3_bind_zeroblob(stmt, index, 0)
                    }
                    guard let length = Int32(exactly: buffer.count) else { return SQLITE_TOOBIG }
                    return sqlite3_bind_blob(stmt, index, base, length, sqliteTransient)
                }
            }
            try connection.check(rc, "bind")
        }
    }

    // The single-value binds below (27 per audit record) reach `connection` only on an error: each
    // access to the `unowned` reference is an atomic retain and release.

    func bindNull(at index: Int32) throws(StoreError) {
        let rc = sqlite3_bind_null(stmt, index)
        if rc != SQLITE_OK { try connection.check(rc, "bind") }
    }

    func bind(_ value: Int64, at index: Int32) throws(StoreError) {
        let rc = sqlite3_bind_int64(stmt, index, value)
        if rc != SQLITE_OK { try connection.check(rc, "bind") }
    }

    /// Binds `text` (UTF-8) in place, without a copy (`SQLITE_STATIC`): the caller keeps it alive and
    /// unchanged until this statement is reset (`reset()` clears the bindings).
    func bind(borrowedText text: UnsafeBufferPointer<UInt8>, at index: Int32) throws(StoreError) {
        guard let base = text.baseAddress, !text.isEmpty else {
            try connection.check(sqlite3_bind_text(stmt, index, "", 0, sqliteTransient), "bind")
            return
        }
        guard let length = Int32(exactly: text.count) else { throw StoreError(.sqlite, "a bound text is too long") }
        let rc = base.withMemoryRebound(to: CChar.self, capacity: text.count) { sqlite3_bind_text(stmt, index, $0, length, nil) }
        if rc != SQLITE_OK { try connection.check(rc, "bind") }
    }

    /// Steps once: true when a row is available, false when done.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        sqlite3_reset(stmt)  // also makes the connection's errmsg describe this statement
        try connection.check(rc, "step")
        return false
    }

    /// Steps to completion, for statements that return no rows.
    func run() throws(StoreError) {
        while try step() {}
        reset()
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(stmt, column) else { return nil }
        let count = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8]? {
        if isNull(column) { return nil }
        let count = Int(sqlite3_column_bytes(stmt, column))
        guard count > 0, let pointer = sqlite3_column_blob(stmt, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue {
    static func int(_ v: Int) -> SQLiteValue { .integer(Int64(v)) }
}
