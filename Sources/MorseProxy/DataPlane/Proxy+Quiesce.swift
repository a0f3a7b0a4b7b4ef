import CLibevent
import Glibc
import Logging

/// Quiescing: the proxy stops accepting and lets every open connection end at a request boundary. SIGTERM uses
/// it; a binary upgrade or an HA switch-over can too (the listener's fate is the caller's).
///
/// What makes it safe for clients: a response whose head has not gone out yet says `Connection: close`, so its
/// client opens a new connection for its next request; a connection that is idle is closed only once it has been
/// idle `quiesce-idle-grace` and nothing is waiting in its socket. Closing an idle keep-alive connection the
/// moment quiescing starts would race a client that is sending its next request right then (RFC 9112 §9.3.1:
/// it may not resend a non-idempotent one).
extension Proxy {
    /// Starts quiescing; `then` runs once, when the last client connection is gone.
    func beginQuiescing(then action: @escaping (Proxy) -> Void) {
        guard !isQuiescing else { return }
        isQuiescing = true
        quiesceStartMs = now
        quiescedAction = action
        updateAccept()
        for client in clients where client.phase != .idle && !client.exchange.responseStarted {
            client.exchange.closeAfterResponse = true
        }
        closeIdleWhileQuiescing()
        if clients.isEmpty { quiesced() }
    }

    /// Closes the connections idle for at least the grace with no request bytes waiting; run by every sweep.
    func closeIdleWhileQuiescing() {
        let grace = Int64(config.quiesceIdleGraceMs)
        var index = clients.count - 1
        while index >= 0 {
            if index < clients.count {
                let client = clients[index]
                if client.phase == .idle && now - client.lastActiveMs >= grace && !client.hasBytesWaiting {
                    closeClient(client)
                }
            }
            index -= 1
        }
    }

    func quiesced() {
        guard let action = quiescedAction else { return }
        quiescedAction = nil
        let tenths = (now - quiesceStartMs) / 100
        logger.notice("quiesced: the last client connection closed \(tenths / 10).\(tenths % 10) s after it began")
        action(self)
    }
}

extension ClientConnection {
    /// Request bytes already in the socket: a request on its way, which must be answered rather than closed on.
    var hasBytesWaiting: Bool {
        if inBuf.readable > 0 { return true }
        var count: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &count) == 0 && count > 0
    }
}
