/// Everything the proxy can be told. Each stored property is one `ProxySetting` (ProxySettings.swift), and its
/// initial value here is that setting's default.
///
/// Durations are whole milliseconds and sizes whole bytes: the data plane compares them with monotonic
/// millisecond clocks and byte counters, so no conversion happens on the hot path.
public struct ProxyConfig: Sendable, Equatable {
    var listen = HostPort(host: "127.0.0.1", port: 8080)
    var admin: HostPort? = HostPort(host: "127.0.0.1", port: 8079)
    var adminToken: String?
    var backends: [BackendSpec] = []

    var healthPath = "/readyz"
    var healthIntervalMs = 2000
    var healthTimeoutMs = 1000
    var rise = 2
    var fall = 3
    /// State of a backend before its first check answered. The first check starts at once and the listener
    /// only accepts once every backend's first check has answered or timed out, so this mostly matters for
    /// backends added by a reload.
    var initialState: InitialState = .down

    /// Extra attempts after the first one, each on another backend when one is left.
    var retries = 2

    var maxConnections = 10_000
    var maxHeaderBytes = 16 * 1024
    var maxHeaderCount = 100
    var maxBodyBytes = 1024 * 1024

    var clientHeaderTimeoutMs = 10_000
    var clientIdleTimeoutMs = 60_000
    var clientBodyTimeoutMs = 30_000
    /// Bytes per second a request body must average once `clientBodyTimeoutMs` has passed (0: no floor).
    /// Every this many bytes received buys one more second, as Apache's mod_reqtimeout MinRate does.
    var clientBodyMinRate = 500
    var backendConnectTimeoutMs = 1000
    var backendResponseTimeoutMs = 30_000
    /// Shorter than the workers' own keep-alive timeout so that the proxy, not the worker, closes idle
    /// pooled connections: that is what avoids the keep-alive race on reuse.
    var poolIdleTimeoutMs = 20_000
    var poolMaxIdle = 64
    /// Requests in flight to one backend at most (0: no limit); more wait in the proxy's FIFO queue, as behind
    /// HAProxy's per-server `maxconn`. The default is measured (docs/proxy.md, "Connection limits").
    var backendMaxConnections = 32
    /// How long a request may wait in that queue; beyond: 503 with Retry-After.
    var backendQueueTimeoutMs = 5_000
    var gracePeriodMs = 30_000
    /// While quiescing, an idle keep-alive connection is closed once it has been idle this long: a client in
    /// the middle of a request loop sends its next request sooner and gets `Connection: close` on its answer,
    /// rather than a close racing that request.
    var quiesceIdleGraceMs = 1_000

    var accessLog: AccessLogTarget = .stdout
    /// Unix socket on which the proxy hands its listening sockets to a new process (`--take-over`); nil: none.
    var upgradeSocket: String?

    init() {}

    /// What `--check-config` reports about a valid configuration.
    public var summary: String { "\(backends.count) backends, listen \(listen)" }

    enum InitialState: String, Sendable, Equatable, CaseIterable {
        case up
        case down
    }

    enum AccessLogTarget: Sendable, Equatable {
        case off
        case stdout
        case file(String)
    }
}
