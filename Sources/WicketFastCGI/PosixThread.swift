#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A joinable thread of its own, outside the Swift concurrency pool, for blocking C calls
/// (`epoll_wait`, a handler that leads an audit commit and its fdatasync).
struct PosixThread: Sendable {
    #if canImport(Glibc)
        fileprivate typealias Handle = pthread_t
    #else
        fileprivate typealias Handle = pthread_t?
    #endif
    private let handle: UInt

    /// The signals Wicket's own threads never take; the process lifecycle does (``ControlSignals``).
    static let controlSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Starts `body` on a new thread with `controlSignals` blocked (the mask is inherited).
    static func spawn(blockingControlSignals: Bool = true, _ body: @escaping @Sendable () -> Void) throws -> PosixThread {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var saved = sigset_t()
        if blockingControlSignals {
            var blocked = sigset_t()
            sigemptyset(&blocked)
            for signal in controlSignals { sigaddset(&blocked, signal) }
            pthread_sigmask(SIG_BLOCK, &blocked, &saved)
        }
        defer {
            if blockingControlSignals { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = Handle()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                #if canImport(Glibc)
                    guard let raw else { return nil }
                #endif
                let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
                box.body()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            throw FastCGIError(.initialisationFailed, "could not start a thread (error \(rc)); check the process thread limit")
        }
        #if canImport(Glibc)
            return PosixThread(handle: UInt(thread))
        #else
            return PosixThread(handle: UInt(bitPattern: thread))
        #endif
    }

    /// Waits for the thread to return.
    func join() {
        #if canImport(Glibc)
            pthread_join(pthread_t(handle), nil)
        #else
            if let thread = pthread_t(bitPattern: handle) { pthread_join(thread, nil) }
        #endif
    }
}
