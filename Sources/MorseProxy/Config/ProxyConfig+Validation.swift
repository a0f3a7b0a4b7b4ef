extension ProxyConfig {
    /// Cross-field checks, run after the file and the flags were applied.
    func validate() throws(ConfigError) {
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
