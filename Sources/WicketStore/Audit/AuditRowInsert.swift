/// Inserts a group commit's audit rows with as few statements as possible: one
/// `INSERT … VALUES (…), (…), …` per `maxRows` rows, each prepared once per row count and kept.
///
/// SQLite pays a statement's own work once per statement rather than once per row: measured on the
/// audit table with its three indexes, 8.2 → 6.7 µs of CPU per record at 16 rows a commit (the same at
/// one row). `RETURNING id` would cost more than it saves (8.7 µs), so the ids are read from the last
/// insert: a rowid table gives each new row the largest rowid so far plus one, so the rows of one
/// statement, in the writer's own transaction, are numbered consecutively up to the last one.
///
/// Each row's text is bound in place (`AuditRow`): no copy per column.
///
/// A commit that is one statement (``insertAlone(_:on:)``: at most `maxRows` rows, no alert) runs it
/// outside `BEGIN … COMMIT`, as its own transaction, with `aloneSQL`: the plain `INSERT` (`ABORT`),
/// whose failure rolls the whole statement back without a statement journal (SQLite opens none for
/// an autocommit statement). Never `OR FAIL` there: a refused row would leave the rows before it
/// to be committed by the statement's own end.
///
/// Used only by the audit writer's current leader (as its connection is).
final class AuditRowInsert {
    static let maxRows = 32
    private let insertSQL: String
    private let aloneSQL: String
    private let tuple: Substring
    /// Prepared statements by row count (index 0 unused), inside a transaction and alone.
    private var prepared: [SQLiteStatement?]
    private var preparedAlone: [SQLiteStatement?]

    /// `insertSQL` inserts one row inside the writer's transaction: `INSERT OR FAIL INTO … VALUES (…)`;
    /// `aloneSQL` the same row as a transaction of its own (`INSERT INTO … VALUES (…)`), or nil:
    /// every insert then runs inside a transaction.
    init(insertSQL: String, aloneSQL: String? = nil) {
        self.insertSQL = insertSQL
        self.aloneSQL = aloneSQL ?? ""
        tuple = insertSQL.range(of: "VALUES ").map { insertSQL[$0.upperBound...] } ?? ""
        prepared = Array(repeating: nil, count: Self.maxRows + 1)
        preparedAlone = Array(repeating: nil, count: aloneSQL == nil ? 0 : Self.maxRows + 1)
    }

    /// Whether `rows` rows can be committed by one statement alone (``insertAlone(_:on:)``).
    func canInsertAlone(_ rows: Int) -> Bool { rows > 0 && rows < preparedAlone.count }

    /// Inserts `rows` (at most `maxRows`, ``canInsertAlone(_:)``) with one statement outside any
    /// transaction: SQLite commits them when the statement ends (durably per `synchronous`, before
    /// this returns), or rolls all of them back. The connection must be in autocommit mode.
    func insertAlone(_ rows: [AuditRow], on connection: SQLiteConnection) throws(StoreError) -> [Int64] {
        guard canInsertAlone(rows.count) else { throw StoreError(.sqlite, "\(rows.count) audit rows cannot be inserted alone") }
        let statement: SQLiteStatement
        if let made = preparedAlone[rows.count] {
            statement = made
        } else {
            statement = try connection.statement(rows.count == 1 ? aloneSQL : Self.sql(aloneSQL, tuple: tuple, rows: rows.count))
            preparedAlone[rows.count] = statement
        }
        return try Self.run(statement, rows[...], on: connection)
    }

    /// The statement inserting `rows` rows at once.
    static func sql(_ insertSQL: String, tuple: Substring, rows: Int) -> String {
        var sql = insertSQL
        sql.reserveCapacity(insertSQL.count + (tuple.count + 2) * (rows - 1))
        for _ in 1..<max(rows, 1) {
            sql += ", "
            sql += tuple
        }
        return sql
    }

    /// Inserts `rows` (each a full row, in column order) and returns their rowids.
    func insert(_ rows: [AuditRow], on connection: SQLiteConnection) throws(StoreError) -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(rows.count)
        var start = 0
        while start < rows.count {
            let count = min(Self.maxRows, rows.count - start)
            let statement = try statement(rows: count, on: connection)
            ids += try Self.run(statement, rows[start..<start + count], on: connection)
            start += count
        }
        return ids
    }

    /// Runs `statement` (one row per tuple) over `rows`; returns their rowids.
    private static func run(_ statement: SQLiteStatement, _ rows: ArraySlice<AuditRow>, on connection: SQLiteConnection) throws(StoreError)
        -> [Int64]
    {
        try bindInPlace(rows, to: statement, from: 1)
        let count = rows.count
        let last = connection.lastInsertRowID
        guard connection.changes == count else {
            throw StoreError(.sqlite, "the audit insert wrote \(connection.changes) rows of \(count)")
        }
        return (0..<count).map { last - Int64(count - 1 - $0) }
    }

    /// Binds each row's columns in turn, its text in place (each row's bytes pinned by a nested
    /// `withUnsafeBufferPointer`, at most `maxRows` deep), then runs the statement inside the
    /// innermost one and resets it there: SQLite holds no pointer into a buffer once it is unpinned.
    private static func bindInPlace(_ rows: ArraySlice<AuditRow>, to statement: SQLiteStatement, from first: Int32) throws(StoreError) {
        guard let row = rows.first else {
            // `run` resets the statement (and clears its bindings) once it is done; a failed step
            // leaves the bindings, cleared here.
            do throws(StoreError) { try statement.run() } catch {
                statement.reset()
                throw error
            }
            return
        }
        guard row.columns.count == AuditRow.columnCount else {
            statement.reset()
            throw StoreError(.sqlite, "an audit row of \(row.columns.count) columns cannot be inserted (\(AuditRow.columnCount) expected)")
        }
        try row.bytes.withUnsafeBufferPointer { (text) throws(StoreError) in
            do throws(StoreError) {
                for (offset, column) in row.columns.enumerated() {
                    let index = first + Int32(offset)
                    switch column {
                    case .null: try statement.bindNull(at: index)
                    case .integer(let value): try statement.bind(value, at: index)
                    case .text(let start, let count):
                        try statement.bind(borrowedText: UnsafeBufferPointer(rebasing: text[start..<start + count]), at: index)
                    }
                }
            } catch {
                statement.reset()
                throw error
            }
            try bindInPlace(rows.dropFirst(), to: statement, from: first + Int32(AuditRow.columnCount))
        }
    }

    private func statement(rows: Int, on connection: SQLiteConnection) throws(StoreError) -> SQLiteStatement {
        if let statement = prepared[rows] { return statement }
        let statement = try connection.statement(rows == 1 ? insertSQL : Self.sql(insertSQL, tuple: tuple, rows: rows))
        prepared[rows] = statement
        return statement
    }
}
