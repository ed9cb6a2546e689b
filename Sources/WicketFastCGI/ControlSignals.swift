#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGTERM, SIGINT and SIGHUP: the signals that stop or reload a server. Wicket's own threads block
/// them; the process's lifecycle (swift-service-lifecycle's signal sources in `WicketServer`) takes
/// them. The FastCGI front installs no handler at all (its writes use `MSG_NOSIGNAL` instead of
/// ignoring SIGPIPE).
public enum ControlSignals {
    /// Blocks the control signals in the calling thread; threads it creates afterwards inherit the
    /// mask. Call at the top of `main`, before anything starts threads, so a process-directed signal
    /// stays pending for the lifecycle's signal source instead of interrupting an event loop.
    public static func blockInCurrentThread() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in PosixThread.controlSignals { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
    }
}
