import CLinuxIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One accepted connection from nginx: its non-blocking socket, its parser, and the answer bytes the
/// socket did not take yet. Its loop reads it; whichever thread answers its request writes the answer
/// directly (``answer(_:keep:)``) and leaves only what the socket would not take to the loop (EPOLLOUT).
/// Only its loop closes the descriptor, and only once no request of it is with the handler, so a
/// descriptor number is never reused under a responder that still writes to it.
final class FastCGIConnection: @unchecked Sendable {
    // @unchecked Sendable: every var is touched only with `lock` held; `fd`, `token` and `loop` are
    // immutable.
    let fd: Int32
    /// The epoll data of its events: the descriptor and its loop's count of accepted connections, so
    /// that a left-over event for a descriptor number reused since is told apart.
    let token: UInt64
    unowned let loop: FastCGIEventLoop
    let lock = NSLock()
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

    init(fd: Int32, token: UInt64, loop: FastCGIEventLoop, parser: FastCGIRequestParser) {
        self.fd = fd
        self.token = token
        self.loop = loop
        self.parser = parser
    }

    /// Writes what `output` holds from `outputOffset`, with `lock` held. Returns false when the
    /// socket failed (nginx went away); true when all was written or the rest waits for EPOLLOUT.
    func flushLocked() -> Bool {
        while outputOffset < output.count {
            let sent = output.withUnsafeBytes { bytes in
                send(fd, bytes.baseAddress.map { $0 + outputOffset }, bytes.count - outputOffset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                outputOffset += sent
                continue
            }
            if sent < 0 && errno == EINTR { continue }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if !watchingOutput {
                    watchingOutput = true
                    loop.watchOutput(of: self, true)
                }
                return true
            }
            return false
        }
        output = []
        outputOffset = 0
        if watchingOutput {
            watchingOutput = false
            loop.watchOutput(of: self, false)
        }
        return true
    }

    /// Queues `bytes` after whatever is still unwritten and writes as much as the socket takes, with
    /// `lock` held. Returns false when the socket failed.
    func sendLocked(_ bytes: [UInt8]) -> Bool {
        if output.isEmpty {
            output = bytes
            outputOffset = 0
        } else {
            output.append(contentsOf: bytes)
        }
        return flushLocked()
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
    /// is shut at once (nginx sees the end now) and closed by its loop. With `lock` held.
    func finishAnswerLocked(keep: Bool) {
        answerQueued = false
        if holdsSlot {
            holdsSlot = false
            loop.releaseSlot()
        }
        if keep && !broken && !closeAfterFlush && !loop.isDraining { return }
        if !broken { shutdown(fd, Int32(SHUT_RDWR)) }
        broken = true
        loop.post(.close(self))
    }
}
