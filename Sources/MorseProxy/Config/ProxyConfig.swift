/// Everything the proxy can be told, with the defaults documented in docs/proxy.md.
///
/// Durations are whole milliseconds and sizes whole bytes: the data plane compares them with monotonic
/// millisecond clocks and byte counters, so no conversion happens on the hot path.
public struct ProxyConfig: Sendable, Equatable {
    public var listen = HostPort(host: "127.0.0.1", port: 8080)
    public var admin: HostPort? = HostPort(host: "127.0.0.1", port: 8079)
    public var adminToken: String?
    public var backends: [BackendSpec] = []

    public var healthPath = "/readyz"
    public var healthIntervalMs = 2000
    public var healthTimeoutMs = 1000
    public var rise = 2
    public var fall = 3
    /// State of a backend before its first check answered. The first check starts at once and the listener
    /// only accepts once every backend's first check has answered or timed out, so this mostly matters for
    /// backends added by a reload.
    public var initialState: InitialState = .down

    /// Extra attempts after the first one, each on another backend when one is left.
    public var retries = 2

    public var maxConnections = 10_000
    public var maxHeaderBytes = 16 * 1024
    public var maxHeaderCount = 100
    public var maxBodyBytes = 1024 * 1024

    public var clientHeaderTimeoutMs = 10_000
    public var clientIdleTimeoutMs = 60_000
    public var clientBodyTimeoutMs = 30_000
    /// Bytes per second a request body must average once `clientBodyTimeoutMs` has passed (0: no floor).
    /// Every this many bytes received buys one more second, as Apache's mod_reqtimeout MinRate does.
    public var clientBodyMinRate = 500
    public var backendConnectTimeoutMs = 1000
    public var backendResponseTimeoutMs = 30_000
    /// Shorter than the workers' own keep-alive timeout so that the proxy, not the worker, closes idle
    /// pooled connections: that is what avoids the keep-alive race on reuse.
    public var poolIdleTimeoutMs = 20_000
    public var poolMaxIdle = 64
    public var gracePeriodMs = 30_000

    public var accessLog: AccessLogTarget = .stdout

    public init() {}

    public enum InitialState: String, Sendable, Equatable {
        case up
        case down
    }

    public enum AccessLogTarget: Sendable, Equatable {
        case off
        case stdout
        case file(String)
    }
}

public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }

    /// True for addresses only this machine can reach, which is what lets the admin API go without a token.
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

public struct BackendSpec: Sendable, Equatable {
    public var name: String
    public var address: HostPort

    public init(name: String, address: HostPort) {
        self.name = name
        self.address = address
    }
}
