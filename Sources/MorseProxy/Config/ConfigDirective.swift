/// One `key value` setting. The file is a list of these and every flag is turned into one, so a flag
/// overrides the file simply by being applied after it.
public struct ConfigDirective: Sendable, Equatable {
    public var key: String
    public var value: String
    public var line: Int?

    public init(key: String, value: String, line: Int? = nil) {
        self.key = key
        self.value = value
        self.line = line
    }
}

extension ProxyConfig {
    /// Every key the file accepts, for error messages and the docs test.
    public static let knownKeys: [String] = [
        "listen", "admin", "admin-token", "backend", "health-path", "health-interval", "health-timeout", "rise",
        "fall", "initial-state", "retries", "max-connections", "max-header-bytes", "max-header-count",
        "max-body-bytes", "client-header-timeout", "client-idle-timeout", "client-body-timeout",
        "client-body-min-rate",
        "backend-connect-timeout", "backend-response-timeout", "pool-idle-timeout", "pool-max-idle",
        "grace-period", "access-log",
    ]

    /// Applies one directive. `backend` appends; every other key replaces the previous value.
    public mutating func apply(_ directive: ConfigDirective) throws(ConfigError) {
        let value = directive.value
        do throws(ConfigError) {
            switch directive.key {
            case "listen": listen = try ValueParsers.hostPort(value)
            case "admin": admin = value == "off" ? nil : try ValueParsers.hostPort(value)
            case "admin-token": adminToken = value.isEmpty ? nil : value
            case "backend": backends.append(try Self.parseBackend(value))
            case "health-path":
                guard value.hasPrefix("/"), !value.contains(where: { $0 == " " || $0.isNewline }) else {
                    throw ConfigError("health-path must start with '/' and contain no spaces")
                }
                healthPath = value
            case "health-interval": healthIntervalMs = try ValueParsers.duration(value)
            case "health-timeout": healthTimeoutMs = try ValueParsers.duration(value)
            case "rise": rise = try ValueParsers.integer(value, min: 1, max: 100, name: "rise")
            case "fall": fall = try ValueParsers.integer(value, min: 1, max: 100, name: "fall")
            case "initial-state":
                guard let state = InitialState(rawValue: value) else {
                    throw ConfigError("initial-state must be 'up' or 'down'")
                }
                initialState = state
            case "retries": retries = try ValueParsers.integer(value, min: 0, max: 10, name: "retries")
            case "max-connections":
                maxConnections = try ValueParsers.integer(value, min: 1, max: 1_000_000, name: "max-connections")
            case "max-header-bytes": maxHeaderBytes = try ValueParsers.size(value)
            case "max-header-count":
                maxHeaderCount = try ValueParsers.integer(value, min: 1, max: 1000, name: "max-header-count")
            case "max-body-bytes": maxBodyBytes = try ValueParsers.size(value)
            case "client-header-timeout": clientHeaderTimeoutMs = try ValueParsers.duration(value)
            case "client-idle-timeout": clientIdleTimeoutMs = try ValueParsers.duration(value)
            case "client-body-timeout": clientBodyTimeoutMs = try ValueParsers.duration(value)
            case "client-body-min-rate": clientBodyMinRate = try ValueParsers.size(value)
            case "backend-connect-timeout": backendConnectTimeoutMs = try ValueParsers.duration(value)
            case "backend-response-timeout": backendResponseTimeoutMs = try ValueParsers.duration(value)
            case "pool-idle-timeout": poolIdleTimeoutMs = try ValueParsers.duration(value)
            case "pool-max-idle":
                poolMaxIdle = try ValueParsers.integer(value, min: 0, max: 10_000, name: "pool-max-idle")
            case "grace-period": gracePeriodMs = try ValueParsers.duration(value)
            case "access-log":
                switch value {
                case "off": accessLog = .off
                case "stdout", "-": accessLog = .stdout
                default: accessLog = .file(value)
                }
            default:
                throw ConfigError("unknown setting '\(directive.key)'")
            }
        } catch {
            var located = error
            if located.line == nil { located.line = directive.line }
            if !located.message.hasPrefix("unknown setting") {
                located.message = "\(directive.key): \(located.message)"
            }
            throw located
        }
    }

    /// `NAME HOST:PORT` in the file, `NAME=HOST:PORT` on the command line.
    static func parseBackend(_ value: String) throws(ConfigError) -> BackendSpec {
        let separators: Set<Character> = ["=", " ", "\t"]
        guard let split = value.firstIndex(where: { separators.contains($0) }) else {
            throw ConfigError("expected NAME HOST:PORT, got '\(value)'")
        }
        let name = try ValueParsers.backendName(String(value[..<split]))
        let rest = value[value.index(after: split)...].trimmingSpaces()
        return BackendSpec(name: name, address: try ValueParsers.hostPort(String(rest)))
    }

    /// Cross-field checks, run after the file and the flags were applied.
    public func validate() throws(ConfigError) {
        if backends.isEmpty { throw ConfigError("no backend configured") }
        var seen = Set<String>()
        for backend in backends where !seen.insert(backend.name).inserted {
            throw ConfigError("backend '\(backend.name)' is defined twice")
        }
        if let admin, !admin.isLoopback, adminToken == nil {
            throw ConfigError("admin listener \(admin) is not loopback: set admin-token")
        }
        if let admin, admin == listen { throw ConfigError("admin and listen use the same address \(admin)") }
        if healthIntervalMs > 0, healthTimeoutMs <= 0 { throw ConfigError("health-timeout must be > 0") }
        if healthIntervalMs > 0, healthTimeoutMs > healthIntervalMs {
            throw ConfigError("health-timeout (\(healthTimeoutMs)ms) must not exceed health-interval")
        }
        if maxHeaderBytes < 1024 { throw ConfigError("max-header-bytes must be at least 1k") }
        if maxHeaderBytes > 1 << 20 { throw ConfigError("max-header-bytes must be at most 1MiB") }
        if backendConnectTimeoutMs <= 0 || backendResponseTimeoutMs <= 0 || clientHeaderTimeoutMs <= 0 {
            throw ConfigError("client-header-timeout and backend timeouts must be > 0")
        }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
