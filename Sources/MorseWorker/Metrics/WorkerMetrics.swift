public import CoreMetrics
import HTTPTypes
import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The worker's metrics, exposed by `/metrics` in the Prometheus text format.
///
/// Made through an explicit factory rather than the global `MetricsSystem`, so that several workers in one test
/// process keep their own registries; the command also bootstraps the global system with the same registry so
/// that libraries' metrics land there too.
public final class WorkerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    struct RouteKey: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    struct RouteMetrics {
        var requests: CoreMetrics.Counter
        var duration: CoreMetrics.Timer
    }

    /// Handles by route and status, made once: making one takes the registry's lock and formats labels.
    private let routes = NIOLockedValueBox([RouteKey: RouteMetrics]())
    let inFlight: Meter
    let messagesWritten: CoreMetrics.Counter
    let storeQueries: CoreMetrics.Gauge
    /// Seconds of sound `POST /api/v1/decode/audio` has decoded: with the route's request duration, the real-time
    /// factor an operator sizes workers by.
    let audioDecodedSeconds: CoreMetrics.FloatingPointCounter

    /// A worker's own registry, which `/metrics` shows.
    public convenience init() {
        self.init(registry: PrometheusCollectorRegistry())
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        inFlight = Meter(label: "morse_http_requests_in_flight", factory: factory)
        messagesWritten = CoreMetrics.Counter(label: "morse_messages_written_total", factory: factory)
        storeQueries = CoreMetrics.Gauge(label: "morse_store_queries", factory: factory)
        audioDecodedSeconds = CoreMetrics.FloatingPointCounter(
            label: "morse_audio_decoded_seconds_total", factory: factory)
    }

    /// The exporter's global factory, to bootstrap `MetricsSystem` with.
    public var metricsFactory: any MetricsFactory { factory }

    func audioDecoded(seconds: Double) {
        audioDecodedSeconds.increment(by: seconds)
    }

    func record(route: String, method: HTTPRequest.Method, status: Int, duration: Duration) {
        let key = RouteKey(route: route, method: method, status: status)
        let metrics = routes.withLockedValue { routes in
            if let existing = routes[key] { return existing }
            let dimensions = [("route", route), ("method", method.rawValue), ("status", String(status))]
            let made = RouteMetrics(
                requests: CoreMetrics.Counter(
                    label: "morse_http_requests_total", dimensions: dimensions, factory: factory),
                duration: CoreMetrics.Timer(
                    label: "morse_http_request_duration_seconds", dimensions: dimensions,
                    preferredDisplayUnit: .seconds,
                    factory: factory))
            routes[key] = made
            return made
        }
        metrics.requests.increment()
        metrics.duration.record(duration: duration)
    }
}
