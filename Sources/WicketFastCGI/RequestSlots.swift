import Foundation
import Synchronization

/// The bound on requests in flight, and the accept gate that follows from it and from the bound on
/// connections.
///
/// A connection takes a slot before it reads a request (a kept connection, when its next request
/// arrives) and gives it back once the answer is wholly written (or the request ended unanswered
/// because nginx went away before it was complete). With every slot taken, a connection that has a
/// request to read waits in ``stalled`` without reading it (its bytes stay in the kernel), and the
/// listener is taken out of every loop's epoll, so new connections wait in the listen backlog: the
/// memory requests hold is bounded by `capacity` requests. A slot given back goes straight to the
/// oldest stalled connection (through its loop), else lets the listener back in.
///
/// It shares the server's `condition`, so that the draining `wait()` sees `inFlight` fall to zero
/// under the lock it waits on.
final class RequestSlots: @unchecked Sendable {
    // @unchecked Sendable: every var is touched only with `condition` locked; `requests` is atomic.
    let capacity: Int
    let maxConnections: Int
    private let condition: NSCondition
    private var inFlight = 0
    private var stalled: [FastCGIConnection] = []
    private var stalledHead = 0
    private var connections = 0
    private var listening = false
    /// False once the server stops: the listener never comes back.
    private var accepting = true
    private var draining = false
    private var responderErrors = 0
    private var accepted = 0
    /// Requests handed to the handler: counted without the lock every loop shares.
    private let requests = Atomic<Int>(0)
    /// Adds (true) or removes (false) the listener in every loop's epoll; called with `condition` locked.
    var setListening: (Bool) -> Void = { _ in }

    init(capacity: Int, maxConnections: Int, condition: NSCondition) {
        self.capacity = capacity
        self.maxConnections = maxConnections
        self.condition = condition
    }

    /// A slot for `connection`'s next request, or false when none is free: the connection is then
    /// stalled and will be resumed with a slot already taken for it (``release()`` returns it).
    func take(for connection: FastCGIConnection) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard inFlight < capacity else {
            stalled.append(connection)
            return false
        }
        inFlight += 1
        updateListeningLocked()
        return true
    }

    /// Gives a slot back. Returns the stalled connection the slot went to, if any (its loop must
    /// resume reading it).
    func release() -> FastCGIConnection? {
        condition.lock()
        defer { condition.unlock() }
        return releaseLocked()
    }

    /// ``release()`` that also says whether the server drains, under the same lock.
    func releaseReportingDrain() -> (next: FastCGIConnection?, draining: Bool) {
        condition.lock()
        defer { condition.unlock() }
        return (releaseLocked(), draining)
    }

    /// A connection closed by the thread that wrote its last answer (FastCGIConnection.closeLocked),
    /// all under one lock: its slot goes back if it still held one, it leaves the stalled queue if it
    /// waited there, and the count of open connections. Returns the stalled connection the slot went
    /// to (its loop must resume it) and whether the server drains.
    func closed(_ connection: FastCGIConnection, heldSlot: Bool, stalled wasStalled: Bool) -> (next: FastCGIConnection?, draining: Bool) {
        condition.lock()
        defer { condition.unlock() }
        let next = heldSlot ? releaseLocked() : nil
        if wasStalled, let index = stalled[stalledHead...].firstIndex(where: { $0 === connection }) { stalled.remove(at: index) }
        connections -= 1
        updateListeningLocked()
        return (next, draining)
    }

    private func releaseLocked() -> FastCGIConnection? {
        if stalledHead < stalled.count {
            let next = stalled[stalledHead]
            stalledHead += 1
            if stalledHead == stalled.count {
                stalled.removeAll(keepingCapacity: true)
                stalledHead = 0
            }
            return next
        }
        inFlight -= 1
        updateListeningLocked()
        // Only the draining `wait()` waits for this; while serving, a broadcast would wake its
        // thread after every request at one connection.
        if inFlight == 0 && draining { condition.broadcast() }
        return nil
    }

    /// Forgets a stalled connection that closed before a slot reached it.
    func forget(_ connection: FastCGIConnection) {
        condition.lock()
        defer { condition.unlock() }
        if let index = stalled[stalledHead...].firstIndex(where: { $0 === connection }) { stalled.remove(at: index) }
    }

    /// A connection was accepted and asks for a slot for the request nginx wrote with its connect: one
    /// lock for ``connection(opened:)`` and ``take(for:)``. False when no slot is free (the connection
    /// is stalled, as with ``take(for:)``).
    func opened(taking connection: FastCGIConnection) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        connections += 1
        accepted += 1
        guard inFlight < capacity else {
            stalled.append(connection)
            updateListeningLocked()
            return false
        }
        inFlight += 1
        updateListeningLocked()
        return true
    }

    /// A connection was accepted (true) or closed (false).
    func connection(opened: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if opened {
            connections += 1
            accepted += 1
        } else {
            connections -= 1
        }
        updateListeningLocked()
    }

    /// Starts listening (the server's start), with `condition` locked by the caller.
    func startLocked() {
        updateListeningLocked()
    }

    /// The server stops: the listener leaves for good and kept connections close once idle.
    func stopLocked() {
        accepting = false
        draining = true
        updateListeningLocked()
        stalled.removeAll()
        stalledHead = 0
    }

    private func updateListeningLocked() {
        let wanted = accepting && inFlight < capacity && connections < maxConnections
        guard wanted != listening else { return }
        listening = wanted
        setListening(wanted)
    }

    /// A complete request was handed to the handler.
    func dispatched() {
        requests.add(1, ordering: .relaxed)
    }

    func responderError() {
        condition.lock()
        responderErrors += 1
        condition.unlock()
    }

    var isDraining: Bool { condition.lock(); defer { condition.unlock() }; return draining }
    var inFlightLocked: Int { inFlight }
    var requestsInFlight: Int { condition.lock(); defer { condition.unlock() }; return inFlight }
    var isListening: Bool { condition.lock(); defer { condition.unlock() }; return listening }
    var stalledCount: Int { condition.lock(); defer { condition.unlock() }; return stalled.count - stalledHead }
    var responderErrorCount: Int { condition.lock(); defer { condition.unlock() }; return responderErrors }
    var acceptedConnections: Int { condition.lock(); defer { condition.unlock() }; return accepted }
    var openConnections: Int { condition.lock(); defer { condition.unlock() }; return connections }
    var acceptedConnectionsLocked: Int { accepted }
    var requestsReadLocked: Int { requests.load(ordering: .relaxed) }
    var requestsRead: Int { requests.load(ordering: .relaxed) }
}
