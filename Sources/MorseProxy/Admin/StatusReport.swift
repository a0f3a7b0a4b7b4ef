import Glibc

/// `GET /status`: one JSON object per backend, in rotation order.
enum StatusReport {
    static func json(_ proxy: Proxy) -> String {
        let list = proxy.backends.map(backendJSON).joined(separator: ",\n    ")
        return """
            {
              "version": "\(ProxyVersion.current)",
              "pid": \(getpid()),
              "listen": "\(proxy.config.listen)",
              "shutting_down": \(proxy.isShuttingDown),
              "quiescing": \(proxy.isQuiescing),
              "connections": \(proxy.clients.count),
              "upstream_connections": \(proxy.upstreams.count),
              "retries": \(proxy.retriesTotal),
              "queue": \(queueJSON(proxy)),
              "buffers": \(buffersJSON(proxy)),
              "client_objects": \(clientObjectsJSON(proxy)),
              "backends": [
                \(list)
              ]
            }

            """
    }

    /// The wait for a backend below `backend-max-connections`: who waits now, and how long the ones served waited.
    static func queueJSON(_ proxy: Proxy) -> String {
        let stats = proxy.queueStats
        let mean = stats.dequeuedTotal > 0 ? Double(stats.waitMsTotal) / Double(stats.dequeuedTotal) : 0
        return "{\"length\":\(proxy.queue.count),\"oldest_wait_ms\":\(proxy.oldestQueuedWaitMs)"
            + ",\"max_connections_per_backend\":\(proxy.config.backendMaxConnections)"
            + ",\"queued_total\":\(stats.queuedTotal),\"dequeued_total\":\(stats.dequeuedTotal)"
            + ",\"timeouts_total\":\(stats.timeoutsTotal),\"mean_wait_ms\":\((mean * 1000).rounded() / 1000)"
            + ",\"max_wait_ms\":\(stats.maxWaitMs)}"
    }

    /// Client connection objects: made, reused for a new socket, and kept closed for the next accepts.
    static func clientObjectsJSON(_ proxy: Proxy) -> String {
        "{\"created_total\":\(proxy.clientObjectsCreated),\"reused_total\":\(proxy.clientObjectsReused)"
            + ",\"spare\":\(proxy.spareClients.count),\"max_spare\":\(Proxy.maxSpareClients)}"
    }

    /// The buffer and scratch pools: what connections hold now and what is kept free.
    static func buffersJSON(_ proxy: Proxy) -> String {
        let pool = proxy.buffers
        return "{\"chunk_bytes\":\(pool.chunkSize),\"chunks_in_use\":\(pool.chunksInUse)"
            + ",\"chunks_free\":\(pool.freeChunks),\"large_in_use\":\(pool.largeInUse)"
            + ",\"bytes_held\":\(pool.bytesHeld),\"chunks_mapped_total\":\(pool.chunksMapped)"
            + ",\"chunks_unmapped_total\":\(pool.chunksUnmapped)"
            + ",\"scratch_in_use\":\(proxy.scratches.inUse),\"scratch_free\":\(proxy.scratches.freeCount)}"
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
