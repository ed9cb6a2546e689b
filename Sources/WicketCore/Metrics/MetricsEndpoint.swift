import Prometheus

/// Answers the scrape: nginx's metrics location (loopback only by default) sets the FastCGI param
/// `WICKET_METRICS=1`, which a client cannot set — client headers arrive as `HTTP_*` params.
public struct MetricsEndpoint: Sendable {
    /// The param the metrics location sets.
    public static let param = "WICKET_METRICS"
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The Prometheus text exposition of everything registered.
    public func answer() -> Reply {
        Reply(
            status: 200,
            headers: [
                .init("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), .init("Cache-Control", "no-store"),
            ], body: registry.emitToBuffer())
    }
}
