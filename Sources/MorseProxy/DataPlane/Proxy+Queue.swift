import CLibevent
import Glibc

/// Bounded concurrency per backend: a request finding every eligible backend at `backend-max-connections` waits
/// in one FIFO queue (HAProxy's per-server `maxconn` with a backend queue) until a slot frees, or is answered 503
/// with Retry-After after `backend-queue-timeout`.
extension Proxy {
    static let queueRetryAfterSeconds = 1

    func enqueue(_ client: ClientConnection) {
        client.isQueued = true
        client.queuedAtMs = now
        queue.append(client)
        queueStats.queuedTotal &+= 1
    }

    /// Ends a request's hold on `backend`; a queued request may take the slot at the end of the pass.
    @inline(__always) func releaseSlot(_ backend: Backend) {
        backend.inFlight -= 1
        if !queue.isEmpty { queue.needsService = true }
    }

    /// Dispatches queued requests, oldest first, while some eligible backend has room.
    func serviceQueue() {
        queue.needsService = false
        queue.servicing = true
        defer { queue.servicing = false }
        while let client = queue.first {
            guard case .chosen = pickBackend(excluding: 0) else {
                if !backends.contains(where: { $0.isEligible }) { failQueuedForNoBackend() }
                return
            }
            _ = queue.popFirst()
            client.isQueued = false
            let waited = max(0, now - client.queuedAtMs)
            queueStats.dequeuedTotal &+= 1
            queueStats.waitMsTotal &+= UInt64(waited)
            queueStats.maxWaitMs = max(queueStats.maxWaitMs, waited)
            client.dispatch()
        }
    }

    /// No backend can take traffic at all: waiting would not help, so the queue gets the answer a new request gets.
    private func failQueuedForNoBackend() {
        while let client = queue.popFirst() {
            client.isQueued = false
            client.dispatch()
        }
    }

    /// Called by the sweep: the oldest requests first, so it stops at the first one still within its time.
    func expireQueued() {
        let timeout = Int64(config.backendQueueTimeoutMs)
        while let client = queue.first, now - client.queuedAtMs >= timeout {
            _ = queue.popFirst()
            client.isQueued = false
            queueStats.timeoutsTotal &+= 1
            client.respondLocally(
                503, "every backend is at its connection limit (waited \(now - client.queuedAtMs) ms)",
                close: client.exchange.closeAfterResponse || !client.exchange.requestComplete,
                retryAfterSeconds: Self.queueRetryAfterSeconds)
        }
    }

    /// The longest a request still queued has waited, in ms.
    var oldestQueuedWaitMs: Int64 {
        guard let client = queue.first else { return 0 }
        return max(0, now - client.queuedAtMs)
    }
}
