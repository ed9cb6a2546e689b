import CFastCGI
import Foundation

/// The `FCGX_Request` structs requests are read into, each `FCGX_InitRequest`ed once on the listening
/// socket. A request holds one from its accept until its answer is written (``FastCGIResponder``),
/// which may be on another thread and later (the audit commit's). When every struct is taken, the next
/// accept waits until an answer gives one back: that is the backpressure, bounding the requests in
/// flight (read, decided, waiting for their commit) and the memory they hold to `capacity`. The
/// bound is exact: a struct is given back only after `FCGX_Finish_r` on it returned.
///
/// It shares the server's `condition`, so that the server's draining `wait()` sees `inFlight` fall to
/// zero under the same lock it waits on.
final class FCGXRequestPool: @unchecked Sendable {
    // @unchecked Sendable: `free`, `inFlight`, `closed`, `waitingAccepts` and `responderErrors` are only
    // touched with `condition` locked; `all` is immutable; a struct is used by one thread at a time
    // (whoever took it), handed on through `condition`.
    let capacity: Int
    private let condition: NSCondition
    private let all: [UnsafeMutablePointer<FCGX_Request>]
    private var free: [UnsafeMutablePointer<FCGX_Request>]
    private var inFlight = 0
    private var closed = false
    private var waitingAccepts = 0
    private var responderErrors = 0

    /// Throws when libfcgi cannot initialise a struct.
    init(capacity: Int, listening fd: Int32, condition: NSCondition) throws {
        self.capacity = capacity
        self.condition = condition
        var all: [UnsafeMutablePointer<FCGX_Request>] = []
        all.reserveCapacity(capacity)
        for _ in 0..<capacity {
            let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
            guard FCGX_InitRequest(request, fd, 0) == 0 else {
                request.deallocate()
                for made in all { made.deallocate() }
                throw FastCGIError(.initialisationFailed, "libfcgi could not initialise a request")
            }
            all.append(request)
        }
        self.all = all
        free = all
    }

    deinit {
        // Every struct is back (a responder holds the pool until it has given its struct back).
        for request in all {
            if request.pointee.ipcFd >= 0 { FCGX_Free(request, 1) }
            request.deallocate()
        }
    }

    /// A free struct, waiting while none is (every request in flight); nil once the pool is closed.
    func take() -> UnsafeMutablePointer<FCGX_Request>? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !closed {
            waitingAccepts += 1
            condition.wait()
            waitingAccepts -= 1
        }
        guard !closed else { return nil }
        return free.removeLast()
    }

    /// Gives back a struct no request was accepted on (the accept failed, or the thread is leaving).
    func giveBack(_ request: UnsafeMutablePointer<FCGX_Request>) {
        condition.lock()
        free.append(request)
        condition.broadcast()
        condition.unlock()
    }

    /// A request was accepted on a taken struct.
    func began() {
        condition.lock()
        inFlight += 1
        condition.unlock()
    }

    /// The request on `request` is answered and finished; the struct goes back unless `keeping` (its
    /// connection is kept and its accept thread reads the next request on it).
    func ended(_ request: UnsafeMutablePointer<FCGX_Request>, keeping: Bool) {
        condition.lock()
        inFlight -= 1
        if !keeping { free.append(request) }
        // Wakes an accept waiting for a struct, or a draining `wait()` once nothing is in flight.
        if waitingAccepts > 0 || inFlight == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Makes every `take` return nil from now on, waking those waiting. With `condition` locked by the
    /// caller (the server's shutdown).
    func closeLocked() {
        closed = true
        condition.broadcast()
    }

    /// A responder dropped without an answer, or answered twice.
    func responderError() {
        condition.lock()
        responderErrors += 1
        condition.unlock()
    }

    /// With `condition` locked by the caller.
    var inFlightLocked: Int { inFlight }

    var requestsInFlight: Int { condition.lock(); defer { condition.unlock() }; return inFlight }
    var acceptsWaiting: Int { condition.lock(); defer { condition.unlock() }; return waitingAccepts }
    var responderErrorCount: Int { condition.lock(); defer { condition.unlock() }; return responderErrors }
}
