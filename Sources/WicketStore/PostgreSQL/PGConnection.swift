import CPostgreSQL
import Foundation

/// One libpq connection: the only file that holds a `PGconn*` and the only place a `PGresult*` is
/// read. Every call that can fail goes through `check`, which turns libpq's status into a
/// `StoreError` (`postgres`) carrying the server's message, never a bound value.
///
/// `@unchecked Sendable`: a connection moves between threads (pool, audit leader, listener) but is
/// used by one thread at a time, which the pool and the writer guarantee; libpq is built thread-safe
/// (`PQisthreadsafe`), which allows distinct connections on distinct threads.
final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Where the connection goes, for messages (host and database; never the password).
    let target: String
    /// The statements prepared on this session (PGStatementCache.swift); dies with the connection.
    private var statements = PGStatementCache()

    /// Connects with libpq keywords; `conninfo` is a libpq connection string expanded first, the
    /// other settings override it. Fails with `postgresUnavailable` when the server cannot be reached.
    init(settings: PGSettings) throws(StoreError) {
        var keywords = ["dbname"]
        var values = [settings.conninfo]
        if let password = settings.password { keywords.append("password"); values.append(password) }
        if let mode = settings.sslMode { keywords.append("sslmode"); values.append(mode) }
        if let root = settings.sslRootCert { keywords.append("sslrootcert"); values.append(root) }
        keywords.append("connect_timeout"); values.append("\(settings.connectTimeoutSeconds)")
        keywords.append("application_name"); values.append("wicket")
        let connection = Self.withCStrings(keywords) { keys in
            Self.withCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        guard let connection else { throw StoreError(.postgresUnavailable, "libpq could not allocate a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.clean(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError(.postgresUnavailable, "cannot connect to postgresql (\(settings.redacted)): \(message)")
        }
        // Server notices (NOTICE: … already exists) are not errors; libpq would print them to stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
        target = settings.redacted
    }

    deinit { PQfinish(handle) }

    /// False once the server closed the connection or a network error broke it; the pool drops it.
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with text parameters (`$1`, `$2`, …); nil binds NULL.
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> PGResult {
        let result = Self.withOptionalCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result)
    }

    /// Runs one statement like `query`, prepared once on this connection and executed by name after
    /// that (`PQprepare`/`PQexecPrepared`): the server parses and plans it once per session instead
    /// of on every request. For the statements the request path runs again and again; `sql` is a
    /// literal (parameters go in `parameters`, never into the text), found again by its address.
    @discardableResult
    func prepared(_ sql: StaticString, _ parameters: [String?] = []) throws(StoreError) -> PGResult {
        guard let key = PGStatementKey(sql) else { return try query("\(sql)", parameters) }
        return try prepared(key, parameters) { "\(sql)" }
    }

    /// `prepared` for a generated text; `key` must name that one text (``PGStatementKey``), which
    /// `sql` makes only when the statement is not prepared yet.
    @discardableResult
    func prepared(_ key: PGStatementKey, _ parameters: [String?], sql: () -> String) throws(StoreError) -> PGResult {
        let name: String
        if let known = statements.name(of: key) {
            name = known
        } else if let fresh = statements.reserve() {
            try check(PQprepare(handle, fresh, sql(), Int32(parameters.count), nil))
            statements.remember(key, as: fresh)
            name = fresh
        } else {
            return try query(sql(), parameters)
        }
        let result = Self.withOptionalCStrings(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try check(result)
    }

    /// Runs SQL without parameters; several statements are allowed (migrations).
    func execute(_ sql: String) throws(StoreError) {
        try check(PQexec(handle, sql))
    }

    /// Runs `body` between BEGIN and COMMIT, rolling back on error.
    func transaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isHealthy { PQclear(PQexec(handle, "ROLLBACK")) }
            throw error
        }
    }

    /// Turns a result into a `PGResult`, or into an error: `postgresUnavailable` when the connection
    /// is broken, `postgres` when the statement failed.
    @discardableResult
    private func check(_ result: OpaquePointer?) throws(StoreError) -> PGResult {
        guard let result else {
            throw StoreError(.postgresUnavailable, "postgresql at \(target): \(Self.clean(PQerrorMessage(handle)))")
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = Self.clean(PQresultErrorMessage(result))
            PQclear(result)
            let code: StoreError.Code = isHealthy ? .postgres : .postgresUnavailable
            throw StoreError(code, "postgresql at \(target): \(message.isEmpty ? Self.clean(PQerrorMessage(handle)) : message)")
        }
        return PGResult(result)
    }

    // MARK: notifications (the listener's connection)

    /// The socket to wait on for notifications.
    var socket: Int32 { PQsocket(handle) }

    /// Reads what the server sent; false when the connection is broken.
    func consumeInput() -> Bool { PQconsumeInput(handle) == 1 }

    /// The next received notification's payload, if any.
    func nextNotification() -> (channel: String, payload: String)? {
        guard let notify = PQnotifies(handle) else { return nil }
        defer { PQfreemem(notify) }
        return (String(cString: notify.pointee.relname), String(cString: notify.pointee.extra))
    }

    /// A string literal for SQL text (identifiers we build are fixed; this is for role names in tests).
    static func clean(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        withOptionalCStrings(strings) { body($0) }
    }

    private static func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { buffer in
            // The buffer is never empty (it ends with nil), so baseAddress exists.
            body(buffer.baseAddress.unsafelyUnwrapped)
        }
    }
}

/// A statement's result in text format; owns its `PGresult*`.
final class PGResult {
    private let result: OpaquePointer
    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    var rowCount: Int { Int(PQntuples(result)) }
    /// Rows changed by an INSERT/UPDATE/DELETE.
    var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    func text(_ row: Int, _ column: Int) -> String? {
        guard row < rowCount, !isNull(row, column), let value = PQgetvalue(result, Int32(row), Int32(column)) else { return nil }
        return String(cString: value)
    }

    func int64(_ row: Int, _ column: Int) -> Int64? { text(row, column).flatMap { Int64($0) } }

    /// A `bytea` column (text format `\x` hex).
    func bytes(_ row: Int, _ column: Int) -> [UInt8]? { text(row, column).flatMap(PGBytes.decode) }
}

/// `bytea` in text format: `\x` followed by hex digits.
enum PGBytes {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        out[0] = 0x5C
        out[1] = 0x78
        for (index, byte) in bytes.enumerated() {
            out[2 + index * 2] = digits[Int(byte >> 4)]
            out[3 + index * 2] = digits[Int(byte & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == 0x5C, utf8[1] == 0x78, utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
