import CoreMetrics
import Foundation
import WicketFastCGI

/// The FastCGI front's counts as Prometheus gauges, recorded when a scrape is answered:
/// `wicket_fastcgi_connections_accepted` (connections accepted since start),
/// `wicket_fastcgi_requests_read` (requests read since start; with nginx's kept connections far more
/// than the connections), `wicket_fastcgi_connections_open` and `wicket_fastcgi_requests_in_flight`.
final class FrontGauges: @unchecked Sendable {
    // @unchecked Sendable: `server` is set once, right after the server is made and before it starts
    // (so before any scrape can read it), under `lock`.
    private let lock = NSLock()
    private var server: FastCGIServer?
    private let accepted = Gauge(label: "wicket_fastcgi_connections_accepted")
    private let requests = Gauge(label: "wicket_fastcgi_requests_read")
    private let open = Gauge(label: "wicket_fastcgi_connections_open")
    private let inFlight = Gauge(label: "wicket_fastcgi_requests_in_flight")

    func attach(_ server: FastCGIServer) {
        lock.lock()
        self.server = server
        lock.unlock()
    }

    /// Records the current counts (before a scrape renders them).
    func record() {
        lock.lock()
        let server = self.server
        lock.unlock()
        guard let server else { return }
        accepted.record(server.acceptedConnections)
        requests.record(server.requestsRead)
        open.record(server.openConnections)
        inFlight.record(server.inFlightRequests)
    }
}
