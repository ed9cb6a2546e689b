import CLinuxIO
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One event-loop thread: an epoll set over the connections it accepted (non-blocking, edge-triggered),
/// the shared listener (level-triggered, EPOLLEXCLUSIVE so one loop wakes per new connection) while
/// the server accepts, and an eventfd other threads wake it with. It reads requests, hands each
/// complete one to the handler on this thread, finishes answers the socket would not take at once
/// (EPOLLOUT), and closes connections nginx left (an answer that ends its connection is closed by
/// the thread that wrote it, FastCGIConnection.closeLocked).
///
/// What one request costs it (issue 11, round 5, the one-connection path): nginx connects and writes
/// its request at once, so a new connection is read as soon as it is accepted, in the same wake-up
/// (no second `epoll_wait` for its first bytes); a read shorter than the buffer emptied the socket, so
/// no read waits for EAGAIN (the next bytes raise a new edge); a closed descriptor leaves the epoll set
/// by itself (no EPOLL_CTL_DEL), and an event left over for a descriptor number since reused is
/// recognised by its generation (`FastCGIConnection.token`); and what the loop's own thread posts to
/// itself (an answer given on the loop, which closes its connection or hands its slot on) is taken
/// before the next `epoll_wait`, without writing the eventfd.
///
/// Round 7 (the front and the kernel): a new connection joins the epoll set only when it must wait —
/// for the rest of its request, for its next request once a kept answer is written, or for EPOLLOUT
/// (``FastCGIConnection/watchLocked()``). An allowed request arrives whole with its connect and its
/// connection closes after the answer, so it never costs an `epoll_ctl`. Joining late loses nothing:
/// `EPOLL_CTL_ADD` reports what is already readable (ep_insert polls the file), so bytes that arrived
/// between the last read and the registration still wake the loop. While its request is with the
/// handler an unwatched connection is not read; a hang-up then shows as the answer's failed write,
/// which closes it, exactly as the hang-up's event did before. The loop's thread runs under
/// SCHED_BATCH (BatchScheduling.swift) when the configuration asks for it (off by default).
final class FastCGIEventLoop: @unchecked Sendable {
    // @unchecked Sendable: `connections`, `scratch`, `parsed`, `draining`, `postedToSelf` and
    // `generation` are touched only by the loop's own thread; `messages`, `thread` and `policy` only
    // with `messageLock`; the rest is immutable or thread-safe (epoll_ctl, write, the atomic counts).
    enum Message {
        /// A slot was handed to this stalled connection: read its request.
        case resume(FastCGIConnection)
        /// The server stops: close idle connections, leave once none is left.
        case drain
        /// The grace period ran out: close everything and leave.
        case stop
    }

    private static let wakeToken = UInt64.max
    private static let listenerToken = UInt64.max - 1
    private static let readSize = 64 * 1024

    let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    private let listenerFD: Int32
    private let slots: RequestSlots
    private let handler: FastCGIServer.DeferredHandler
    private let limits: FastCGIRequestParser.Limits
    private let selection: FastCGIParamSelection
    private let batchScheduling: Bool
    private let logger: Logger
    private var connections = DescriptorTable<FastCGIConnection>()
    private let scratch: UnsafeMutableRawBufferPointer
    /// What the parser made of one read, kept between reads so that a request costs no array of its
    /// own (``readable(_:hangup:)`` takes it out and puts it back emptied). Loop thread only.
    private var parsed: [FastCGIRequestParser.Event] = []
    private var draining = false
    private let messageLock = NSLock()
    private var messages: [Message] = []
    /// The thread running ``run()``, once it runs: a post from it needs no eventfd write.
    private var thread: pthread_t?
    /// The loop's own thread posted a message: take it before the next `epoll_wait`.
    private var postedToSelf = false
    /// Counts accepted connections, so that an event for a closed descriptor whose number was reused
    /// in the same batch is not taken for the new connection's.
    private var generation: UInt32 = 0
    /// `epoll_wait` returns since start (for tests). Atomic, so counting takes no lock per wake-up.
    private let wakeupCount = Atomic<Int>(0)
    /// Connections added to the epoll set since start (for tests).
    private let registrationCount = Atomic<Int>(0)
    /// The loop thread's scheduling policy once it runs, -1 before (with `messageLock`; for tests).
    private var policy: Int32 = -1
    /// Connections closed by the thread that answered them (``forget(_:stalled:)``), still in
    /// `connections` until the loop next wakes (with `messageLock`).
    private var forgotten: [FastCGIConnection] = []

    init(
        index: Int, listenerFD: Int32, slots: RequestSlots, handler: @escaping FastCGIServer.DeferredHandler,
        limits: FastCGIRequestParser.Limits, selection: FastCGIParamSelection, batchScheduling: Bool, logger: Logger
    ) throws {
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw FastCGIError(.initialisationFailed, "could not create an epoll set (error \(errno))") }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            Glibc.close(epollFD)
            throw FastCGIError(.initialisationFailed, "could not create an eventfd (error \(errno))")
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            Glibc.close(epollFD)
            Glibc.close(wakeFD)
            throw FastCGIError(.initialisationFailed, "could not watch an eventfd (error \(errno))")
        }
        self.index = index
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        self.listenerFD = listenerFD
        self.slots = slots
        self.handler = handler
        self.limits = limits
        self.selection = selection
        self.batchScheduling = batchScheduling
        self.logger = logger
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
    }

    deinit {
        scratch.deallocate()
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
    }

    // MARK: - From other threads

    /// Hands `message` to the loop and wakes it; from the loop's own thread, it is taken before the
    /// loop next waits, without a wake-up.
    func post(_ message: Message) {
        messageLock.lock()
        messages.append(message)
        let own = thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        messageLock.unlock()
        if own {
            postedToSelf = true
            return
        }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// `connection` was closed by the thread that wrote its last answer (FastCGIConnection.closeLocked,
    /// with its lock held): it is counted out now and leaves the loop's table when the loop next wakes
    /// for anything — no wake-up of its own (an event for it meanwhile finds it closed), except while
    /// the server drains, when a loop leaves only once its table is empty.
    func forget(_ connection: FastCGIConnection, heldSlot: Bool, stalled: Bool) {
        let (next, draining) = slots.closed(connection, heldSlot: heldSlot, stalled: stalled)
        if let next { next.loop.post(.resume(next)) }
        messageLock.lock()
        forgotten.append(connection)
        let own = thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        messageLock.unlock()
        if !own && draining {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    /// Drops the connections closed elsewhere from the table. Loop thread only.
    private func dropForgotten() {
        messageLock.lock()
        for connection in forgotten where connections[connection.fd] === connection {
            connections[connection.fd] = nil
        }
        forgotten.removeAll(keepingCapacity: true)
        messageLock.unlock()
    }

    /// Adds the listener to this loop's epoll set, or removes it (RequestSlots' accept gate).
    func listen(_ on: Bool) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue
        event.data.u64 = Self.listenerToken
        _ = epoll_ctl(epollFD, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listenerFD, &event)
    }

    /// Adds `connection` to the epoll set (`add`) or changes what it is watched for: its input, and
    /// EPOLLOUT while `output` waits. From any thread holding the connection's lock
    /// (FastCGIConnection.watchLocked). False when epoll refused it.
    func watch(_ connection: FastCGIConnection, output: Bool, add: Bool) -> Bool {
        var event = epoll_event()
        event.events = Self.connectionEvents | (output ? EPOLLOUT.rawValue : 0)
        event.data.u64 = connection.token
        guard epoll_ctl(epollFD, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, connection.fd, &event) == 0 else {
            logger.warning("fastcgi connection could not be watched", metadata: ["wicket.fastcgi.errno": "\(errno)"])
            return false
        }
        if add { registrationCount.add(1, ordering: .relaxed) }
        return true
    }

    /// Gives a request slot back; a stalled connection it goes to is resumed by its own loop.
    func releaseSlot() {
        if let next = slots.release() { next.loop.post(.resume(next)) }
    }

    /// ``releaseSlot()``, returning whether the server drains (one lock for both).
    func releaseSlotReportingDrain() -> Bool {
        let (next, draining) = slots.releaseReportingDrain()
        if let next { next.loop.post(.resume(next)) }
        return draining
    }

    var isDraining: Bool { slots.isDraining }

    /// `epoll_wait` returns since start.
    var wakeups: Int { wakeupCount.load(ordering: .relaxed) }

    /// Connections added to the epoll set since start.
    var registrations: Int { registrationCount.load(ordering: .relaxed) }

    /// The loop thread's scheduling policy (`sched_getscheduler`), -1 before it runs.
    var schedulingPolicy: Int32 {
        messageLock.lock()
        defer { messageLock.unlock() }
        return policy
    }

    private static let connectionEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    // MARK: - The loop

    /// Runs until drained (or stopped).
    func run() {
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        _ = pthread_setname_np(pthread_self(), "wicket-loop-\(index)")
        let policy = batchScheduling ? BatchScheduling.adoptForCurrentThread() : sched_getscheduler(0)
        messageLock.lock()
        thread = pthread_self()
        self.policy = policy
        messageLock.unlock()
        while true {
            let count = epoll_wait(epollFD, events, Int32(capacity), -1)
            wakeupCount.add(1, ordering: .relaxed)
            if count < 0 {
                if errno == EINTR { continue }
                logger.critical("fastcgi event loop failed", metadata: ["wicket.fastcgi.errno": "\(errno)"])
                closeAll()
                return
            }
            for slot in 0..<Int(count) {
                let event = events[slot]
                switch event.data.u64 {
                case Self.wakeToken:
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    if !takeMessages() { return }
                case Self.listenerToken:
                    acceptOne()
                default:
                    guard let connection = connections[Int32(truncatingIfNeeded: event.data.u64)],
                        connection.token == event.data.u64
                    else { continue }
                    if event.events & EPOLLOUT.rawValue != 0 { writable(connection) }
                    if event.events & ~EPOLLOUT.rawValue != 0 {
                        readable(connection, hangup: event.events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0)
                    }
                }
            }
            while postedToSelf {
                postedToSelf = false
                if !takeMessages() { return }
            }
            dropForgotten()
            if draining && connections.isEmpty { return }
        }
    }

    /// Handles the posted messages; false when the loop must leave now.
    private func takeMessages() -> Bool {
        messageLock.lock()
        let taken = messages
        messages = []
        messageLock.unlock()
        for message in taken {
            switch message {
            case .resume(let connection):
                connection.lock.lock()
                connection.stalled = false
                if connection.closed {
                    connection.lock.unlock()
                    releaseSlot()
                    continue
                }
                connection.holdsSlot = true
                connection.lock.unlock()
                readable(connection, hangup: false)
            case .drain:
                draining = true
                for connection in connections.all {
                    connection.lock.lock()
                    let idle = !connection.parser.hasRequest && !connection.answerQueued && !connection.holdsSlot
                    connection.lock.unlock()
                    if idle { close(connection) }
                }
            case .stop:
                closeAll()
                return false
            }
        }
        return true
    }

    private func acceptOne() {
        let fd = accept4(listenerFD, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
        guard fd >= 0 else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED { return }
            // EMFILE and friends: back off a little instead of spinning on a ready listener.
            logger.warning("fastcgi accept failed", metadata: ["wicket.fastcgi.errno": "\(code)"])
            usleep(10_000)
            return
        }
        generation &+= 1
        let token = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
        let connection = FastCGIConnection(
            fd: fd, token: token, loop: self, parser: FastCGIRequestParser(limits: limits, selection: selection))
        connections[fd] = connection
        // nginx writes its request right after connecting: it takes its slot with the count of open
        // connections (one lock of the slots, which every loop shares, instead of two) ...
        guard slots.opened(taking: connection) else {
            // No slot free: it waits in the stalled queue and is resumed with one.
            connection.lock.lock()
            connection.stalled = true
            connection.lock.unlock()
            return
        }
        // ... and is read now, not after another wake-up. It joins the epoll set only if it must wait
        // (the end of ``readable(_:hangup:)``); an allow never does.
        readable(connection, hangup: false, slotTaken: true)
    }

    /// Reads what `connection` has, hands a complete request to the handler, answers what the parser
    /// answers itself, and closes the connection when nginx went away or broke the protocol.
    /// `slotTaken`: a new connection whose slot ``acceptOne()`` took (RequestSlots.opened(taking:)).
    private func readable(_ connection: FastCGIConnection, hangup: Bool, slotTaken: Bool = false) {
        connection.lock.lock()
        if slotTaken { connection.holdsSlot = true }
        guard !connection.closed, !connection.broken, !connection.stalled else {
            connection.lock.unlock()
            return
        }
        let withHandler = connection.parser.isAnswering || connection.answerQueued
        if !withHandler && !connection.holdsSlot {
            // nginx closed an idle kept connection: close it without taking a slot. Only when nothing
            // is left to read: a request nginx sent before it gave up is still read and decided.
            var byte: UInt8 = 0
            if hangup && connection.parser.isIdle && recv(connection.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) <= 0 {
                connection.lock.unlock()
                close(connection)
                return
            }
            guard slots.take(for: connection) else {
                connection.stalled = true
                connection.lock.unlock()
                return
            }
            connection.holdsSlot = true
        }
        var events = parsed
        parsed = []
        defer {
            events.removeAll(keepingCapacity: true)
            parsed = events
        }
        var ended = false
        var malformed: String?
        reading: while true {
            let count = read(connection.fd, scratch.baseAddress, scratch.count)
            if count > 0 {
                do {
                    try connection.parser.consume(UnsafeRawBufferPointer(rebasing: scratch[0..<count]), into: &events)
                } catch {
                    malformed = error.reason
                    break reading
                }
                // A short read emptied the socket: what arrives next raises a new edge. After a
                // hang-up, read on to the end of file (no edge will come for it).
                if count < scratch.count && !hangup { break reading }
                continue
            }
            if count == 0 {
                ended = true
                break
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: break reading
            default:
                ended = true
                break reading
            }
        }
        var request: FastCGIRequestParser.Request?
        for event in events {
            switch event {
            case .request(let complete): request = complete
            case .reply(let bytes, let closeAfter):
                if closeAfter { connection.closeAfterFlush = true }
                if !connection.sendLocked(bytes) { ended = true }
            case .abort:
                logger.debug("nginx aborted a fastcgi request; its answer is still written")
            }
        }
        if let malformed {
            logger.warning("closing a fastcgi connection that broke the protocol", metadata: ["wicket.fastcgi.reason": "\(malformed)"])
            ended = true
        }
        if ended {
            connection.broken = true
            // A request with the handler keeps the connection open until answered (the answer then
            // fails to write and closes it); otherwise it closes now.
            let keepOpen = request != nil || connection.parser.isAnswering
            if !keepOpen {
                connection.lock.unlock()
                close(connection)
                return
            }
        } else if request == nil, !connection.parser.hasRequest, !connection.answerQueued, connection.holdsSlot,
            connection.parser.isIdle
        {
            // Only management records (or an aborted request): no request holds the slot.
            connection.holdsSlot = false
            releaseSlot()
        }
        if connection.closeAfterFlush, connection.output.isEmpty, request == nil, !connection.parser.hasRequest {
            connection.lock.unlock()
            close(connection)
            return
        }
        // It waits for bytes (the rest of its request, or its next one): watched from now on. A request
        // with the handler is not waiting: its answer watches a kept connection (finishAnswerLocked).
        if !connection.watched, !connection.broken, request == nil, !connection.parser.isAnswering, !connection.watchLocked() {
            connection.lock.unlock()
            close(connection)
            return
        }
        connection.lock.unlock()
        if let request {
            slots.dispatched()
            handler(
                FastCGIRequest(params: request.params, body: request.body),
                FastCGIResponder(connection: connection, id: request.id, keep: request.keepConnection, slots: slots, logger: logger))
        }
    }

    /// Writes the output the socket refused earlier; once an answer is all out, finishes it.
    private func writable(_ connection: FastCGIConnection) {
        connection.lock.lock()
        guard !connection.closed else {
            connection.lock.unlock()
            return
        }
        if !connection.flushLocked() { connection.broken = true }
        let done = connection.outputOffset >= connection.output.count || connection.broken
        if done && connection.answerQueued {
            connection.finishAnswerLocked(keep: connection.keepAfterFlush)
        } else if done, connection.broken || connection.closeAfterFlush, !connection.parser.hasRequest {
            connection.lock.unlock()
            close(connection)
            return
        }
        connection.lock.unlock()
    }

    /// Closes `connection` (its slot, if it still held one, goes back). Loop thread only.
    private func close(_ connection: FastCGIConnection) {
        connection.lock.lock()
        guard !connection.closed else {
            connection.lock.unlock()
            return
        }
        connection.closed = true
        let heldSlot = connection.holdsSlot
        connection.holdsSlot = false
        let wasStalled = connection.stalled
        connection.lock.unlock()
        if heldSlot { releaseSlot() }
        if wasStalled { slots.forget(connection) }
        // Closing the only descriptor of the socket takes it out of the epoll set.
        _ = Glibc.close(connection.fd)
        connections[connection.fd] = nil
        slots.connection(opened: false)
    }

    private func closeAll() {
        for connection in connections.all { close(connection) }
        draining = true
    }
}

/// A loop's connections by descriptor number. Descriptors are small dense integers (the lowest free
/// number is reused first), so an array indexed by the number does what a dictionary did without
/// hashing the number on every accept, event and close. Loop thread only.
struct DescriptorTable<Element: AnyObject> {
    private var byDescriptor: [Element?] = []
    private(set) var count = 0

    subscript(fd: Int32) -> Element? {
        get {
            let index = Int(fd)
            return index >= 0 && index < byDescriptor.count ? byDescriptor[index] : nil
        }
        set {
            let index = Int(fd)
            guard index >= 0 else { return }
            if index >= byDescriptor.count {
                guard newValue != nil else { return }
                byDescriptor.append(contentsOf: repeatElement(nil, count: index + 1 - byDescriptor.count))
            }
            if byDescriptor[index] == nil, newValue != nil { count += 1 }
            if byDescriptor[index] != nil, newValue == nil { count -= 1 }
            byDescriptor[index] = newValue
        }
    }

    var isEmpty: Bool { count == 0 }

    /// Every connection, in descriptor order (a copy: closing them changes the table).
    var all: [Element] { byDescriptor.compactMap { $0 } }
}
