/// `GET /status`: one JSON object per backend, in rotation order.
enum StatusReport {
    static func json(_ proxy: Proxy) -> String {
        let list = proxy.backends.map(backendJSON).joined(separator: ",\n    ")
        return """
            {
              "listen": "\(proxy.config.listen)",
              "shutting_down": \(proxy.isShuttingDown),
              "connections": \(proxy.clients.count),
              "upstream_connections": \(proxy.upstreams.count),
              "retries": \(proxy.retriesTotal),
              "backends": [
                \(list)
              ]
            }

            """
    }

    static func backendJSON(_ backend: Backend) -> String {
        let latency = (backend.lastCheckLatencyMs * 1000).rounded() / 1000
        let error = String(backend.lastCheckError.map { $0 == "\"" || $0 == "\\" ? "'" : $0 })
        var out = "{\"name\":\"\(backend.name)\",\"address\":\"\(backend.address)\""
        out += ",\"state\":\"\(backend.state.rawValue)\",\"healthy\":\(backend.health.isUp)"
        out += ",\"admin_state\":\"\(backend.adminState.rawValue)\",\"in_flight\":\(backend.inFlight)"
        out += ",\"requests\":\(backend.stats.requests),\"failures\":\(backend.stats.failures)"
        out += ",\"retries\":\(backend.stats.retries),\"idle_connections\":\(backend.idle.count)"
        out += ",\"last_check\":{\"status\":\(backend.lastCheckStatus),\"latency_ms\":\(latency)"
        out += ",\"error\":\"\(error)\"}}"
        return out
    }
}
