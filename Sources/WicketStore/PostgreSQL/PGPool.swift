import Foundation

/// A bounded pool of connections to one tenant's database. At most `size` connections exist; a
/// caller waits up to `waitMilliseconds` for one and is then refused (`postgresUnavailable`), so a
/// slow or absent database turns into 503s, never into an unbounded pile of connections. A broken
/// connection is dropped when it is returned and a new one is opened on the next demand, so the
/// pool recovers by itself when the database comes back.
final class PGPool: @unchecked Sendable {
    // @unchecked Sendable: `idle`, `open` and `closed` are only touched under `condition`; a taken
    // connection is used by exactly one thread until it is given back.
    private let condition = NSCondition()
    private var idle: [PGConnection] = []
    private var opened = 0
    private var closed = false
    let settings: PGSettings

    init(settings: PGSettings) { self.settings = settings }

    /// Runs `body` with a connection no other thread uses meanwhile.
    func withConnection<R>(_ body: (PGConnection) throws(StoreError) -> R) throws(StoreError) -> R {
        let connection = try take()
        do {
            let result = try body(connection)
            give(connection)
            return result
        } catch {
            give(connection)
            throw error
        }
    }

    private func take() throws(StoreError) -> PGConnection {
        let deadline = Date(timeIntervalSinceNow: Double(settings.poolWaitMilliseconds) / 1000)
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw StoreError(.closed, "the store has been closed")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if opened < max(settings.poolSize, 1) {
                opened += 1
                condition.unlock()
                do {
                    return try PGConnection(settings: settings)
                } catch {
                    condition.lock()
                    opened -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            guard condition.wait(until: deadline) else {
                condition.unlock()
                throw StoreError(
                    .postgresUnavailable, "all \(settings.poolSize) postgresql connections stayed busy; the request is refused")
            }
        }
    }

    private func give(_ connection: PGConnection) {
        condition.lock()
        defer { condition.unlock() }
        if !closed && connection.isHealthy {
            idle.append(connection)
        } else {
            opened -= 1
        }
        condition.signal()
    }

    func close() {
        condition.lock()
        closed = true
        let toClose = idle
        opened -= idle.count
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
        _ = toClose
    }
}
