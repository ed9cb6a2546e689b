import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import WicketCore
import WicketFastCGI

/// The FastCGI socket and its event loops, with the runtime's alert delivery: starts both, and on
/// graceful shutdown stops accepting, waits for the requests already accepted, then stops alerts.
struct FastCGIService: Service {
    let server: FastCGIServer
    let runtime: WicketRuntime
    let logger: Logger

    func run() async throws {
        try server.start()
        runtime.start()
        defer { runtime.stop() }
        await withGracefulShutdownHandler {
            // `wait` blocks until the event loops are done: on a thread of its own, never the pool.
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { [server] in
                    server.wait()
                    finished.resume()
                }
            }
        } onGracefulShutdown: { [server, logger] in
            logger.notice("stopping: graceful shutdown (SIGTERM or SIGINT)")
            server.shutdown()
        }
    }
}

/// SIGHUP reloads every tenant's policies and entities and reopens the GeoIP database.
struct HangupReloader: Service {
    let runtime: WicketRuntime
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            logger.notice("reloading on signal", metadata: ["wicket.signal": "SIGHUP"])
            runtime.reloadAll(onlyIfChanged: false)
        }
    }
}

/// Checks the policy files every `reload_interval` seconds and reloads a tenant whose files changed.
struct PolicyPoller: Service {
    let runtime: WicketRuntime
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            guard !Task.isShuttingDownGracefully else { return }
            runtime.reloadAll(onlyIfChanged: true)
        }
    }
}
