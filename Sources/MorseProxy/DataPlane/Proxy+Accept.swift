import CLibevent
import Glibc
import Logging

extension Proxy {
    /// Accepts in a batch (the backlog is drained up to a bound per wakeup to stay fair to other events).
    func acceptReady() {
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    morse_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let code = errno
                if code == EAGAIN || code == EINTR { return }
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    // The pending connection stays in the backlog; with level-triggered epoll the loop would
                    // spin on it, so accepting pauses for a moment (libevent issues 71, 363).
                    logger.error("accept: \(String(cString: strerror(code))); pausing accept for 100ms")
                    acceptGate = .pausedForResources
                    updateAccept()
                    if acceptRetryTimer == nil {
                        acceptRetryTimer = addTimer(milliseconds: 100, repeating: false) { proxy in
                            proxy.acceptRetryTimer = nil
                            if proxy.acceptGate == .pausedForResources {
                                proxy.acceptGate = .open
                                proxy.updateAccept()
                            }
                        }
                    }
                    return
                }
                continue
            }
            Sockets.setNoDelay(fd)
            acceptedTotal &+= 1
            let client = makeClient(fd: fd, peer: &storage)
            register(client, in: &clients)
            if clients.count >= config.maxConnections {
                acceptGate = .atConnectionLimit
                updateAccept()
                return
            }
        }
    }

    func updateAccept() {
        if acceptGate == .open && !isQuiescing && !isShuttingDown {
            listenEvent?.enable()
        } else {
            listenEvent?.disable()
        }
    }

    /// Called when every backend's first check answered (or timed out): from then on traffic has a known set
    /// of healthy backends. Connections made before wait in the kernel backlog, not in 503s.
    func openAcceptGate() {
        guard acceptGate == .waitingForFirstChecks else { return }
        acceptGate = .open
        updateAccept()
        if predecessor != nil {
            tellPredecessorReady()
        } else {
            ServiceManager.notify("READY=1")
        }
        let states = backends.map { "\($0.name)=\($0.state.rawValue)" }.joined(separator: " ")
        logger.notice("first health checks done (\(states)); accepting connections")
    }
}
