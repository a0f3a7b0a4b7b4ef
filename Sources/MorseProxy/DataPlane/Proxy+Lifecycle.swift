import CLibevent
import Glibc
import Logging

/// Signals, reload and graceful shutdown.
extension Proxy {
    func installSignals() {
        // A daemon must not depend on the signal state it was started with: a supervisor that spawns from a
        // thread blocking every signal (Foundation's Process from a Dispatch queue does) would leave these
        // handlers never called. libevent's sigaction replaces an inherited SIG_IGN; the mask needs this.
        let handled = [SIGHUP, SIGTERM, SIGINT, SIGUSR2, SIGCHLD]
        var mask = sigset_t()
        sigemptyset(&mask)
        for number in handled { sigaddset(&mask, number) }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        // The proxy frees these events in its deinit, so they never call into a proxy that is gone.
        let arg = Unmanaged.passUnretained(self).toOpaque()
        for number in handled {
            var event = EventHandle(base: base, fd: number, flags: EV_SIGNAL, callback: signalCallback, arg: arg)
            event.enable()
            signalEvents.append(event)
        }
    }

    fileprivate static func handleSignal(_ number: Int32, _ arg: UnsafeMutableRawPointer) {
        let proxy = Unmanaged<Proxy>.fromOpaque(arg).takeUnretainedValue()
        proxy.tick()
        switch number {
        case SIGHUP: proxy.reload()
        case SIGUSR2: proxy.spawnSuccessor()
        case SIGCHLD: proxy.reapSuccessor()
        default: proxy.beginShutdown(signal: number == SIGTERM ? "SIGTERM" : "SIGINT")
        }
    }

    /// SIGHUP: re-read the configuration. A config that fails to load changes nothing.
    func reload() {
        guard let reloader else {
            logger.warning("SIGHUP ignored: no config file to reload")
            return
        }
        do {
            let fresh = try reloader()
            apply(fresh)
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
        }
    }

    /// Applies a new configuration without touching connections: backends are matched by name so their
    /// pools, counters, health and operator state (drain, maint) carry over.
    func apply(_ fresh: ProxyConfig) {
        let (kept, ignored) = fresh.reloaded(over: config)
        for message in ignored { logger.warning("\(message)") }
        let checksChanged =
            fresh.healthIntervalMs != config.healthIntervalMs || fresh.healthTimeoutMs != config.healthTimeoutMs
            || fresh.healthPath != config.healthPath || fresh.rise != config.rise || fresh.fall != config.fall
        config = kept
        accessLog.open(config.accessLog)
        scratches.reconfigure(maxHeaders: config.maxHeaderCount, maxFree: Self.maxFreeScratches)
        // A raised limit lets queued requests through now.
        queue.needsService = !queue.isEmpty

        var next: [Backend] = []
        var added: [Backend] = []
        for spec in fresh.backends {
            if let existing = backends.first(where: { $0.name == spec.name }) {
                if existing.address != spec.address {
                    logger.notice("backend \(spec.name) address \(existing.address) -> \(spec.address)")
                    existing.updateAddress(spec.address)
                    closeIdle(of: existing)
                }
                next.append(existing)
            } else {
                let backend = addBackend(spec)
                backends.removeLast()
                next.append(backend)
                added.append(backend)
                logger.notice("backend \(spec.name) added at \(spec.address) (state \(backend.state.rawValue))")
            }
        }
        for old in backends where !next.contains(where: { $0 === old }) {
            old.removed = true
            old.probe?.stop()
            old.probe = nil
            closeIdle(of: old)
            logger.notice("backend \(old.name) removed (\(old.inFlight) in flight finish first)")
        }
        backends = next
        if checksChanged {
            for backend in backends {
                backend.health = HealthMachine(rise: config.rise, fall: config.fall, initiallyUp: backend.health.isUp)
                backend.probe?.stop()
                backend.probe = nil
                startProbe(backend)
            }
        } else {
            for backend in added { startProbe(backend) }
        }
        logger.notice("configuration reloaded: \(backends.count) backends")
    }

    /// SIGTERM/SIGINT: close the listener, quiesce (every open connection ends at a request boundary), exit when
    /// none is left or the grace period ends.
    func beginShutdown(signal name: String) {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        logger.notice("\(name): stopping; \(clients.count) connections, grace \(config.gracePeriodMs)ms")
        updateAccept()
        stopListeningForSuccessor()
        Self.closeListening(&listenEvent, &listenFD)
        for backend in backends { backend.probe?.stop() }
        graceTimer = addTimer(milliseconds: max(1, config.gracePeriodMs), repeating: false) { proxy in
            proxy.logger.warning("grace period over: closing \(proxy.clients.count) connections")
            while let client = proxy.clients.last { client.abort() }
            proxy.finishShutdown()
        }
        beginQuiescing { $0.finishShutdown() }
    }

    /// Frees a listening socket's accept event and closes this process's descriptor of it (a successor may hold
    /// another); both left unset, so a second call does nothing.
    static func closeListening(_ event: inout EventHandle?, _ fd: inout Int32) {
        event?.free()
        event = nil
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    func finishShutdown() {
        guard !stopRequested else { return }
        graceTimer?.cancel()
        graceTimer = nil
        for backend in backends { closeIdle(of: backend) }
        accessLog.flush()
        admin?.stop()
        stopRequested = true
        event_base_loopbreak(base)
    }
}

private let signalCallback: event_callback_fn = { number, _, arg in
    Proxy.handleSignal(number, arg!)
}
