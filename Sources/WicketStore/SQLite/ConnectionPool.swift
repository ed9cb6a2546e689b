import Foundation

/// A small pool of connections to one database file, so that many FastCGI threads can read at once
/// (WAL lets readers run concurrently with each other and with the one writer).
final class ConnectionPool: @unchecked Sendable {
    // @unchecked Sendable: `idle` and `closed` are only touched under `lock`; a connection taken
    // from the pool is used by exactly one thread until it is returned.
    private let lock = NSLock()
    private var idle: [SQLiteConnection] = []
    private var closed = false
    private let maxIdle: Int
    private let open: () throws(StoreError) -> SQLiteConnection

    init(maxIdle: Int = 8, open: @escaping () throws(StoreError) -> SQLiteConnection) {
        self.maxIdle = maxIdle
        self.open = open
    }

    /// Runs `body` with a connection used by no other thread meanwhile.
    func withConnection<R>(_ body: (SQLiteConnection) throws(StoreError) -> R) throws(StoreError) -> R {
        let connection = try take()
        defer { give(connection) }
        return try body(connection)
    }

    private func take() throws(StoreError) -> SQLiteConnection {
        lock.lock()
        if closed {
            lock.unlock()
            throw StoreError(.closed, "the store has been closed")
        }
        if let connection = idle.popLast() {
            lock.unlock()
            return connection
        }
        lock.unlock()
        return try open()
    }

    private func give(_ connection: SQLiteConnection) {
        lock.lock()
        defer { lock.unlock() }
        if !closed && idle.count < maxIdle { idle.append(connection) }
    }

    /// Closes idle connections; connections in use close when their user returns them.
    func close() {
        lock.lock()
        closed = true
        let toClose = idle
        idle.removeAll()
        lock.unlock()
        _ = toClose  // released here, outside the lock
    }
}
