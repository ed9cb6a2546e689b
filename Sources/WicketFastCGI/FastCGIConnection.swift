import CLinuxIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One accepted connection from nginx: its non-blocking socket, its parser, and the answer bytes the
/// socket did not take yet. Its loop reads it; whichever thread answers its request writes the answer
/// directly (``answer(_:keep:)``) and leaves only what the socket would not take to the loop (EPOLLOUT).
/// The descriptor is closed only once no request of it is with the handler — by its loop (nginx went
/// away, or broke the protocol) or by the thread that wrote an answer ending the connection
/// (``closeLocked()``), always with `lock` held and `closed` set, so a descriptor number is never
/// reused under a responder that still writes to it.
final class FastCGIConnection: @unchecked Sendable {
    // @unchecked Sendable: every var is touched only with `lock` held; `fd`, `token` and `loop` are
    // immutable.
    let fd: Int32
    /// The epoll data of its events: the descriptor and its loop's count of accepted connections, so
    /// that a left-over event for a descriptor number reused since is told apart.
    let token: UInt64
    unowned let loop: FastCGIEventLoop
    let lock = ConnectionLock()
    var parser: FastCGIRequestParser
    /// Answer or reply bytes the socket has not taken yet, from `outputOffset`.
    var output: [UInt8] = []
    var outputOffset = 0
    /// The connection holds one of the server's request slots (RequestSlots).
    var holdsSlot = false
    /// Waiting in RequestSlots for a slot, its next request unread.
    var stalled = false
    /// The answer is queued in `output`: once written the slot goes back, and the connection is
    /// kept (`keepAfterFlush`) or closed.
    var answerQueued = false
    var keepAfterFlush = false
    /// Close once `output` is written (a reply that ends the connection).
    var closeAfterFlush = false
    /// nginx closed its end, or the connection broke the protocol: close as soon as no request of it
    /// is with the handler. Nothing more is read or written.
    var broken = false
    var closed = false
    var watchingOutput = false
    /// In its loop's epoll set. A new connection joins only once it must wait for bytes or for
    /// EPOLLOUT (FastCGIEventLoop, round 7); closing its descriptor takes it out.
    var watched = false

    init(fd: Int32, token: UInt64, loop: FastCGIEventLoop, parser: FastCGIRequestParser) {
        self.fd = fd
        self.token = token
        self.loop = loop
        self.parser = parser
    }

    deinit {
        lock.destroy()
    }

    /// How far a send loop got: everything, up to the socket's refusal (EAGAIN), or a failed socket.
    private enum Sent {
        case all
        case blocked(at: Int)
        case failed
    }

    /// Sends `bytes` from `start` until all is written, the socket refuses more, or it fails.
    private func transmit(_ bytes: [UInt8], from start: Int) -> Sent {
        var offset = start
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            if sent < 0 && errno == EINTR { continue }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .blocked(at: offset) }
            return .failed
        }
        return .all
    }

    /// Writes what `output` holds from `outputOffset`, with `lock` held. Returns false when the
    /// socket failed (nginx went away); true when all was written or the rest waits for EPOLLOUT.
    func flushLocked() -> Bool {
        switch transmit(output, from: outputOffset) {
        case .failed:
            return false
        case .blocked(let offset):
            outputOffset = offset
            if !watchingOutput {
                watchingOutput = true
                if !watchLocked() { return false }
            }
            return true
        case .all:
            output = []
            outputOffset = 0
            if watchingOutput {
                watchingOutput = false
                _ = watchLocked()
            }
            return true
        }
    }

    /// Joins its loop's epoll set, or updates what it is watched for (EPOLLOUT while `watchingOutput`),
    /// with `lock` held, from any thread. Joining late loses no event: EPOLL_CTL_ADD reports what the
    /// socket already has. Returns false when epoll refused (the caller closes the connection).
    func watchLocked() -> Bool {
        guard loop.watch(self, output: watchingOutput, add: !watched) else { return false }
        watched = true
        return true
    }

    /// Queues `bytes` after whatever is still unwritten and writes as much as the socket takes, with
    /// `lock` held. Returns false when the socket failed.
    func sendLocked(_ bytes: [UInt8]) -> Bool {
        guard output.isEmpty else {
            output.append(contentsOf: bytes)
            return flushLocked()
        }
        // Nothing waits before it: send straight from `bytes`; only what the socket refuses is kept.
        switch transmit(bytes, from: 0) {
        case .all:
            return true
        case .failed:
            return false
        case .blocked(let offset):
            output = bytes
            outputOffset = offset
            return flushLocked()
        }
    }

    /// The handler's answer to the request with it, from any thread: written now if the socket takes
    /// it all, else finished by the loop. Then the slot goes back and the connection is kept for the
    /// next request (`keep`, unless the server drains) or closed.
    func answer(_ bytes: [UInt8], keep: Bool) {
        lock.lock()
        parser.answered()
        guard !closed else {
            // Closed by a stop after the grace period: the slot went back then.
            lock.unlock()
            return
        }
        if broken {
            finishAnswerLocked(keep: false)
            lock.unlock()
            return
        }
        if !sendLocked(bytes) {
            broken = true
            finishAnswerLocked(keep: false)
        } else if outputOffset < output.count {
            answerQueued = true
            keepAfterFlush = keep
        } else {
            finishAnswerLocked(keep: keep)
        }
        lock.unlock()
    }

    /// The answer is written (or cannot be): the slot goes back, and unless the connection is kept it
    /// is closed at once, on this thread (nginx sees the end now). With `lock` held.
    func finishAnswerLocked(keep: Bool) {
        answerQueued = false
        if keep && !broken && !closeAfterFlush {
            let draining: Bool
            if holdsSlot {
                holdsSlot = false
                draining = loop.releaseSlotReportingDrain()
            } else {
                draining = loop.isDraining
            }
            // Kept: it waits for nginx's next request, so it joins the epoll set if it was not in it.
            if !draining && (watched || watchLocked()) { return }
        }
        closeLocked()
    }

    /// Closes the descriptor now, from whichever thread holds `lock`, once no request of the
    /// connection is with the handler (its answer is written, or it broke); its slot, if it still
    /// holds one, goes back. Safe off the loop: every use of `fd` is under `lock` after a check of
    /// `closed`, so nothing reads or writes a number reused since; closing the socket's only
    /// descriptor takes it out of the epoll set; an event the loop already took for it finds it
    /// closed (or, once the loop forgot it, a token no connection has). The loop drops it from its
    /// table when it next wakes (``FastCGIEventLoop/forget(_:heldSlot:stalled:)``).
    func closeLocked() {
        guard !closed else { return }
        closed = true
        broken = true
        let heldSlot = holdsSlot
        holdsSlot = false
        let wasStalled = stalled
        stalled = false
        _ = Glibc.close(fd)
        loop.forget(self, heldSlot: heldSlot, stalled: wasStalled)
    }
}

/// A connection's mutex: a pthread mutex in memory of its own. NSLock wraps the same mutex in an
/// object of its own (one allocation and one release more per connection, and a dynamic call per
/// lock and unlock); a connection is made for every allowed request, so this is per request.
/// Destroyed by its connection's deinit, when nothing can hold it.
struct ConnectionLock: @unchecked Sendable {
    // @unchecked Sendable: the mutex is what makes the memory it guards safe to share.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    /// Frees the mutex; once, when no thread can use it again.
    func destroy() {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }
}
