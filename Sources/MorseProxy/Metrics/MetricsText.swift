/// `GET /metrics` in the Prometheus text format (0.0.4).
enum MetricsText {
    static func render(_ proxy: Proxy) -> String {
        var out = ""
        out += "# HELP morse_proxy_requests_total Requests answered, by backend and status code.\n"
        out += "# TYPE morse_proxy_requests_total counter\n"
        var all: [(String, BackendStats)] = proxy.backends.map { ($0.name, $0.stats) }
        all.append(("none", proxy.localStats))
        for (name, stats) in all {
            for code in 100..<600 where stats.byStatus[code] > 0 {
                out += "morse_proxy_requests_total{backend=\"\(name)\",code=\"\(code)\"} \(stats.byStatus[code])\n"
            }
        }
        out +=
            "# HELP morse_proxy_request_duration_seconds Time from the first request byte to the last response byte.\n"
        out += "# TYPE morse_proxy_request_duration_seconds histogram\n"
        for (name, stats) in all {
            var cumulative: UInt64 = 0
            for (index, bound) in LatencyHistogram.bounds.enumerated() {
                cumulative += stats.latency.counts[index]
                out +=
                    "morse_proxy_request_duration_seconds_bucket{backend=\"\(name)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out +=
                "morse_proxy_request_duration_seconds_bucket{backend=\"\(name)\",le=\"+Inf\"} \(stats.latency.total)\n"
            out += "morse_proxy_request_duration_seconds_sum{backend=\"\(name)\"} \(stats.latency.sumSeconds)\n"
            out += "morse_proxy_request_duration_seconds_count{backend=\"\(name)\"} \(stats.latency.total)\n"
        }
        out += "# HELP morse_proxy_retries_total Attempts resent to another backend.\n"
        out += "# TYPE morse_proxy_retries_total counter\n"
        out += "morse_proxy_retries_total \(proxy.retriesTotal)\n"
        out += "# HELP morse_proxy_backend_failures_total Failed attempts (connect, reset, timeout, bad response).\n"
        out += "# TYPE morse_proxy_backend_failures_total counter\n"
        for backend in proxy.backends {
            out += "morse_proxy_backend_failures_total{backend=\"\(backend.name)\"} \(backend.stats.failures)\n"
        }
        out += "# HELP morse_proxy_backend_up 1 when the backend takes traffic.\n"
        out += "# TYPE morse_proxy_backend_up gauge\n"
        for backend in proxy.backends {
            out += "morse_proxy_backend_up{backend=\"\(backend.name)\"} \(backend.isEligible ? 1 : 0)\n"
        }
        out += "# HELP morse_proxy_backend_state Current state (1 for the state the backend is in).\n"
        out += "# TYPE morse_proxy_backend_state gauge\n"
        for backend in proxy.backends {
            for state in [BackendState.up, .down, .draining, .maint] {
                let value = backend.state == state ? 1 : 0
                out += "morse_proxy_backend_state{backend=\"\(backend.name)\",state=\"\(state.rawValue)\"} \(value)\n"
            }
        }
        out += "# HELP morse_proxy_backend_in_flight Requests currently at the backend.\n"
        out += "# TYPE morse_proxy_backend_in_flight gauge\n"
        for backend in proxy.backends {
            out += "morse_proxy_backend_in_flight{backend=\"\(backend.name)\"} \(backend.inFlight)\n"
        }
        out += "# HELP morse_proxy_health_checks_total Active health check results.\n"
        out += "# TYPE morse_proxy_health_checks_total counter\n"
        for backend in proxy.backends {
            out +=
                "morse_proxy_health_checks_total{backend=\"\(backend.name)\",result=\"ok\"} \(backend.stats.checksOK)\n"
            out +=
                "morse_proxy_health_checks_total{backend=\"\(backend.name)\",result=\"failed\"} \(backend.stats.checksFailed)\n"
        }
        out += "# HELP morse_proxy_connections Open client connections.\n"
        out += "# TYPE morse_proxy_connections gauge\n"
        out += "morse_proxy_connections \(proxy.clients.count)\n"
        out += "# HELP morse_proxy_accepted_total Client connections accepted.\n"
        out += "# TYPE morse_proxy_accepted_total counter\n"
        out += "morse_proxy_accepted_total \(proxy.acceptedTotal)\n"
        let queue = proxy.queueStats
        out += "# HELP morse_proxy_queue_length Requests waiting for a backend below backend-max-connections.\n"
        out += "# TYPE morse_proxy_queue_length gauge\n"
        out += "morse_proxy_queue_length \(proxy.queue.count)\n"
        out += "# HELP morse_proxy_queue_oldest_wait_seconds How long the oldest waiting request has waited.\n"
        out += "# TYPE morse_proxy_queue_oldest_wait_seconds gauge\n"
        out += "morse_proxy_queue_oldest_wait_seconds \(Double(proxy.oldestQueuedWaitMs) / 1000)\n"
        out += "# HELP morse_proxy_queue_wait_seconds Time requests waited in the queue before a backend took them.\n"
        out += "# TYPE morse_proxy_queue_wait_seconds summary\n"
        out += "morse_proxy_queue_wait_seconds_sum \(Double(queue.waitMsTotal) / 1000)\n"
        out += "morse_proxy_queue_wait_seconds_count \(queue.dequeuedTotal)\n"
        out += "# HELP morse_proxy_queue_timeouts_total Requests answered 503 after backend-queue-timeout.\n"
        out += "# TYPE morse_proxy_queue_timeouts_total counter\n"
        out += "morse_proxy_queue_timeouts_total \(queue.timeoutsTotal)\n"
        out += "# HELP morse_proxy_client_objects_total Client connection objects made, and reused for a new socket.\n"
        out += "# TYPE morse_proxy_client_objects_total counter\n"
        out += "morse_proxy_client_objects_total{way=\"created\"} \(proxy.clientObjectsCreated)\n"
        out += "morse_proxy_client_objects_total{way=\"reused\"} \(proxy.clientObjectsReused)\n"
        out += "# HELP morse_proxy_buffer_bytes Bytes of connection buffers held, in use or kept free.\n"
        out += "# TYPE morse_proxy_buffer_bytes gauge\n"
        out += "morse_proxy_buffer_bytes \(proxy.buffers.bytesHeld)\n"
        out += "# HELP morse_proxy_buffer_chunks Buffer chunks by use.\n"
        out += "# TYPE morse_proxy_buffer_chunks gauge\n"
        out += "morse_proxy_buffer_chunks{state=\"in_use\"} \(proxy.buffers.chunksInUse)\n"
        out += "morse_proxy_buffer_chunks{state=\"free\"} \(proxy.buffers.freeChunks)\n"
        return out
    }
}
