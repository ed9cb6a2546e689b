import Foundation
import Logging

/// The thread that keeps one node's key cache honest: its own connection, `LISTEN wicket_keys`, a
/// heartbeat round trip every `heartbeat`, and a reconnect loop when the connection is lost. It
/// reports through three callbacks: a changed key id, "forget everything" (after a reconnect,
/// notifications may have been missed), and "fresh as of" after each successful heartbeat.
final class PGKeyListener: @unchecked Sendable {
    // @unchecked Sendable: `stopping` is only touched under `lock`; the connection lives on the thread.
    private let settings: PGSettings
    private let tenant: String
    private let logger: Logger
    private let heartbeat: Duration
    private let invalidate: @Sendable (String) -> Void
    private let reset: @Sendable () -> Void
    private let fresh: @Sendable (ContinuousClock.Instant) -> Void
    private let lock = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(
        settings: PGSettings, tenant: String, logger: Logger, heartbeat: Duration,
        invalidate: @escaping @Sendable (String) -> Void, reset: @escaping @Sendable () -> Void,
        fresh: @escaping @Sendable (ContinuousClock.Instant) -> Void
    ) {
        var listenSettings = settings
        listenSettings.connectTimeoutSeconds = 1
        self.settings = listenSettings
        self.tenant = tenant
        self.logger = logger
        self.heartbeat = heartbeat
        self.invalidate = invalidate
        self.reset = reset
        self.fresh = fresh
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "wicket-pg-listen-\(tenant)"
        thread.start()
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        _ = finished.wait(timeout: .now() + 2)  // a query blocked on a dead network is left behind at exit
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func run() {
        defer { finished.signal() }
        var wasConnected = true
        while !isStopping {
            do throws(StoreError) {
                let connection = try PGConnection(settings: settings)
                try connection.execute("LISTEN wicket_keys")
                // Whatever changed while we were not listening is unknown: start from an empty cache.
                reset()
                if !wasConnected {
                    logger.notice("key change channel restored", metadata: ["wicket.tenant": "\(tenant)"])
                }
                wasConnected = true
                try listen(on: connection)
            } catch {
                reset()
                if wasConnected {
                    logger.error(
                        "key change channel lost; keys are read from the database until it returns",
                        metadata: ["wicket.tenant": "\(tenant)", "wicket.error": "\(error)"])
                }
                wasConnected = false
                pause(.milliseconds(250))
            }
        }
    }

    /// Waits for notifications, and runs a heartbeat each period; returns only by throwing.
    private func listen(on connection: PGConnection) throws(StoreError) {
        while !isStopping {
            let started = ContinuousClock.now
            try connection.query("SELECT 1")
            drain(connection)
            fresh(started)
            // Wait for notifications until the next heartbeat is due.
            let deadline = started + heartbeat
            while ContinuousClock.now < deadline {
                let remaining = deadline - ContinuousClock.now
                let milliseconds = max(
                    1, Int32(remaining.components.attoseconds / 1_000_000_000_000_000) + Int32(remaining.components.seconds * 1000))
                var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, milliseconds)
                if ready > 0 {
                    guard connection.consumeInput() else {
                        throw StoreError(.postgresUnavailable, "the notification connection broke")
                    }
                    drain(connection)
                }
                if isStopping { return }
            }
        }
    }

    private func drain(_ connection: PGConnection) {
        while let notification = connection.nextNotification() {
            invalidate(notification.payload)
        }
    }

    private func pause(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !isStopping {
            usleep(20_000)
        }
    }
}
