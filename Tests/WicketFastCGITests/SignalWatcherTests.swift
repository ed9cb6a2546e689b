import Foundation
import Testing
@testable import WicketFastCGI

@Suite("SignalWatcher", .serialized)
struct SignalWatcherTests {
    @Test("SIGHUP calls reload and SIGTERM calls terminate, whichever thread takes the signal")
    func dispatchesSignals() throws {
        let events = Recorder<String>()
        let watcher = SignalWatcher(
            onTerminate: { events.append("terminate \($0)") },
            onReload: { events.append("reload") })
        try watcher.start()
        defer { watcher.stop() }
        kill(getpid(), SIGHUP)
        try waitFor { events.all.count == 1 }
        kill(getpid(), SIGTERM)
        try waitFor { events.all.count == 2 }
        #expect(events.all == ["reload", "terminate \(SIGTERM)"])
    }

    @Test("stop restores the previous disposition")
    func stopRestores() throws {
        var before = sigaction()
        sigaction(SIGHUP, nil, &before)
        let watcher = SignalWatcher(onTerminate: { _ in }, onReload: {})
        try watcher.start()
        var during = sigaction()
        sigaction(SIGHUP, nil, &during)
        watcher.stop()
        var after = sigaction()
        sigaction(SIGHUP, nil, &after)
        let handler = { (action: sigaction) in unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self) }
        #expect(handler(during) != handler(before))
        #expect(handler(after) == handler(before))
    }

    @Test("a second watcher in the same process is refused")
    func oneAtATime() throws {
        let first = SignalWatcher(onTerminate: { _ in }, onReload: {})
        try first.start()
        defer { first.stop() }
        let error = #expect(throws: FastCGIError.self) {
            try SignalWatcher(onTerminate: { _ in }, onReload: {}).start()
        }
        #expect(error?.code == .signalSetupFailed)
    }

    private func waitFor(_ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(5)
        while !condition() && Date() < deadline { usleep(2_000) }
        try #require(condition())
    }
}
