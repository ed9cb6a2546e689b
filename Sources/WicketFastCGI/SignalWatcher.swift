#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Write end of the self-pipe the signal handler writes to; -1 when no watcher runs.
/// nonisolated(unsafe): written only by `SignalWatcher.start/stop` under `SignalWatcher.registry`
/// while the handlers are not installed; read by the async-signal handler.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns SIGTERM, SIGINT and SIGHUP into callbacks on a dedicated thread.
///
/// Why not a bare `sigwait`: it only works when the signals are blocked in *every* thread of the
/// process, and the Swift runtime, Dispatch and the test runner start threads Wicket does not
/// control; a process-directed SIGTERM landing on one of those would run the default action and
/// kill the process mid-request. So the watcher installs a handler (replacing libfcgi's, which
/// would only set a private flag) that writes the signal number to a pipe — `write(2)` is
/// async-signal-safe — and a thread of its own reads the pipe and calls back. Wicket's own
/// threads (accept threads, the watcher's spawner) block the signals, the watcher thread unblocks
/// them, so the signal is taken by the watcher whenever possible and by any thread otherwise.
///
/// Call ``blockControlSignalsInCurrentThread()`` first thing in `main` so threads created later
/// inherit the mask. Only one watcher may run at a time.
public final class SignalWatcher: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`; callbacks are @Sendable.
    private let onTerminate: @Sendable (Int32) -> Void
    private let onReload: @Sendable () -> Void
    private let lock = NSLock()
    private var thread: PosixThread?
    private var readEnd: Int32 = -1
    private var writeEnd: Int32 = -1
    private var previous: [(Int32, sigaction)] = []
    private static let registry = NSLock()

    /// - Parameters:
    ///   - onTerminate: called with `SIGTERM` or `SIGINT`, on every such signal (a second one may
    ///     mean "stop now").
    ///   - onReload: called on `SIGHUP`.
    public init(onTerminate: @escaping @Sendable (Int32) -> Void, onReload: @escaping @Sendable () -> Void) {
        self.onTerminate = onTerminate
        self.onReload = onReload
    }

    deinit { stop() }

    /// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread; threads it creates afterwards
    /// inherit the mask. Call at the top of `main`, before anything starts threads.
    public static func blockControlSignalsInCurrentThread() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in PosixThread.controlSignals { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
    }

    /// Installs the handlers and starts the watcher thread.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard thread == nil else { return }
        Self.registry.lock()
        defer { Self.registry.unlock() }
        guard signalPipeWriteEnd < 0 else {
            throw FastCGIError(.signalSetupFailed, "another signal watcher is already running in this process")
        }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw FastCGIError(.signalSetupFailed, "could not create the signal pipe: \(String(cString: strerror(errno)).lowercased())")
        }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // A full pipe must never block the handler; dropping a duplicate signal is harmless.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        readEnd = ends[0]
        writeEnd = ends[1]
        signalPipeWriteEnd = ends[1]

        let readFD = readEnd
        let terminate = onTerminate
        let reload = onReload
        do {
            thread = try PosixThread.spawn(blockingControlSignals: false) {
                SignalWatcher.unblockControlSignals()
                SignalWatcher.readLoop(fd: readFD, terminate: terminate, reload: reload)
            }
        } catch {
            closePipe()
            throw error
        }
        for signal in PosixThread.controlSignals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = signalPipeHandler
            action.sa_flags = Int32(SA_RESTART)
            #else
            action.__sigaction_u.__sa_handler = signalPipeHandler
            action.sa_flags = SA_RESTART
            #endif
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            if sigaction(signal, &action, &old) == 0 {
                previous.append((signal, old))
            }
        }
    }

    /// Restores the previous signal dispositions and stops the watcher thread.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard let running = thread else { return }
        Self.registry.lock()
        for (signal, old) in previous {
            var restored = old
            sigaction(signal, &restored, nil)
        }
        previous = []
        var stopByte: UInt8 = 0
        _ = write(writeEnd, &stopByte, 1)
        Self.registry.unlock()
        running.join()
        thread = nil
        Self.registry.lock()
        closePipe()
        Self.registry.unlock()
    }

    private func closePipe() {
        signalPipeWriteEnd = -1
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
        readEnd = -1
        writeEnd = -1
    }

    private static func unblockControlSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in PosixThread.controlSignals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private static func readLoop(fd: Int32, terminate: @Sendable (Int32) -> Void, reload: @Sendable () -> Void) {
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1, byte != 0 else { return }
            let signal = Int32(byte)
            if signal == SIGHUP {
                reload()
            } else {
                terminate(signal)
            }
        }
    }
}

/// The async-signal-safe part: one `write(2)` of the signal number, errno preserved.
private let signalPipeHandler: @convention(c) (Int32) -> Void = { signal in
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    let fd = signalPipeWriteEnd
    if fd >= 0 { _ = write(fd, &byte, 1) }
    errno = savedErrno
}
