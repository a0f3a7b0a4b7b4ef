import CLibevent
import Glibc
public import Logging

/// The proxy: one libevent loop on one thread that owns every connection, backend and timer. Nothing here is
/// shared across threads, which is why plain counters and arrays suffice.
public final class Proxy {
    var config: ProxyConfig
    let base: OpaquePointer
    let logger: Logger
    /// Re-reads the configuration on SIGHUP; supplied by the command so flags keep overriding the file.
    let reloader: (() throws -> ProxyConfig)?

    var backends: [Backend] = []
    var balancer = RoundRobin()
    var nextBackendID = 0
    var clients: [ClientConnection] = []
    var upstreams: [UpstreamConnection] = []
    /// Connections closed since the last sweep. Holding them here lets event callbacks skip retain/release:
    /// nothing is deallocated while one of its callbacks may still be on the stack.
    var graveyard: [AnyObject] = []
    /// Writes queued during this loop iteration, performed once every ready event was handled.
    var pendingUpstreams: [UpstreamConnection] = []
    var pendingClients: [ClientConnection] = []
    var stopRequested = false
    var requestIDs = RequestIDGenerator()
    var accessLog: AccessLog
    var localStats = BackendStats()
    var retriesTotal: UInt64 = 0
    var acceptedTotal: UInt64 = 0
    /// Coarse monotonic milliseconds, refreshed once per event callback.
    var now: Int64 = Clock.coarseMilliseconds()

    var listenFD: Int32 = -1
    var listenEvent: OpaquePointer?
    var acceptEnabled = false
    var acceptGate = AcceptGate.waitingForFirstChecks
    var timers: [OpaquePointer] = []
    var pauseTimer: OpaquePointer?
    var graceTimer: OpaquePointer?
    var admin: AdminServer?
    var isShuttingDown = false
    var pendingFirstChecks = 0
    /// Host sent upstream for an HTTP/1.0 request without one: the proxy forwards HTTP/1.1, which requires Host
    /// (RFC 9112 §3.2), so the proxy names itself, as its listen address.
    let ownHost: UnsafeMutableRawBufferPointer

    enum AcceptGate {
        case waitingForFirstChecks
        case open
        /// File descriptors ran out: accept pauses briefly instead of spinning on EMFILE.
        case pausedForResources
        case atConnectionLimit
    }

    public init(
        config: ProxyConfig, logger: Logger, reloader: (() throws -> ProxyConfig)? = nil
    ) throws {
        self.config = config
        self.logger = logger
        self.reloader = reloader
        signal(SIGPIPE, SIG_IGN)
        // The changelist folds an add and a del of the same fd within one loop turn into nothing, and
        // batches the rest into the next epoll_wait turn.
        let eventConfig = event_config_new()!
        event_config_set_flag(eventConfig, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        event_config_set_flag(eventConfig, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        guard let base = event_base_new_with_config(eventConfig) else {
            event_config_free(eventConfig)
            throw ProxyError("libevent could not create an event base")
        }
        event_config_free(eventConfig)
        self.base = base
        accessLog = AccessLog(target: config.accessLog)
        let host = config.listen.host.contains(":") ? "[\(config.listen.host)]" : config.listen.host
        let hostBytes = Array("\(host):\(config.listen.port)".utf8)
        ownHost = .allocate(byteCount: hostBytes.count, alignment: 1)
        ownHost.copyBytes(from: hostBytes)
        for spec in config.backends { addBackend(spec) }
    }

    deinit {
        ownHost.deallocate()
        accessLog.flush()
        event_base_free(base)
    }

    /// Binds, starts health checks and admin, then runs the loop until shutdown completes.
    public func run() throws {
        listenFD = try bindListener()
        if let adminAddress = config.admin {
            admin = try AdminServer(proxy: self, address: adminAddress)
        }
        installSignals()
        addTimer(milliseconds: 50) { $0.sweep() }
        addTimer(milliseconds: 1000) { $0.accessLog.flush() }
        startHealthChecks()
        logger.notice(
            "morse-proxy listening on \(config.listen), admin \(config.admin.map { "\($0)" } ?? "off"), backends \(backends.map { "\($0.name)=\($0.address)" }.joined(separator: " "))"
        )
        // EVLOOP_ONCE returns after running the callbacks of one epoll batch: the hook libevent 2.1 lacks for
        // "end of iteration", where the queued writes go out.
        while !stopRequested {
            event_base_loop(base, EVLOOP_ONCE)
            runDeferredWrites()
        }
        accessLog.flush()
        logger.notice("morse-proxy stopped")
    }

    func bindListener() throws -> Int32 {
        do {
            let fd = try Sockets.listen(config.listen)
            let arg = Unmanaged.passUnretained(self).toOpaque()
            listenEvent = event_new(base, fd, Int16(EV_READ | EV_PERSIST), acceptCallback, arg)
            return fd
        } catch {
            throw ProxyError("cannot listen on \(config.listen): \(error)")
        }
    }

    @inline(__always) func tick() { now = Clock.coarseMilliseconds() }

    /// Upstream writes first (requests reach backends sooner), then client writes; either may queue more of
    /// the other (an error answer, a pipelined request), hence the outer loop.
    func runDeferredWrites() {
        while !pendingUpstreams.isEmpty || !pendingClients.isEmpty {
            var index = 0
            while index < pendingUpstreams.count {
                let connection = pendingUpstreams[index]
                connection.flushQueued = false
                connection.flushRequestNow()
                index += 1
            }
            pendingUpstreams.removeAll(keepingCapacity: true)
            index = 0
            while index < pendingClients.count {
                let client = pendingClients[index]
                client.flushQueued = false
                client.flushNow()
                index += 1
            }
            pendingClients.removeAll(keepingCapacity: true)
        }
    }

    // MARK: Backends

    @discardableResult
    func addBackend(_ spec: BackendSpec) -> Backend {
        let checksOn = config.healthIntervalMs > 0
        let machine = HealthMachine(
            rise: config.rise, fall: config.fall, initiallyUp: !checksOn || config.initialState == .up)
        let backend = Backend(spec: spec, id: nextBackendID, health: machine, since: now)
        nextBackendID += 1
        backends.append(backend)
        return backend
    }

    @inline(__always)
    func pickBackend(excluding tried: UInt64) -> Backend? {
        let list = backends
        if let index = balancer.next(
            count: list.count,
            eligible: { list[$0].isEligible && tried & (1 << UInt64(list[$0].id & 63)) == 0 })
        {
            return list[index]
        }
        // Every eligible backend was tried already: go round again rather than give up early.
        guard tried != 0, let index = balancer.next(count: list.count, eligible: { list[$0].isEligible }) else {
            return nil
        }
        return list[index]
    }

    func passiveFailure(_ backend: Backend, _ detail: String) {
        let transition = backend.health.passiveFailure()
        healthChanged(
            backend, transition,
            reason: "live traffic: \(detail), \(backend.health.consecutivePassiveFailures) failures in a row")
    }

    /// The one place a backend's health change is acted on and logged: a line per change, with its reason and
    /// how long the backend was in the state it leaves (as HAProxy does), never a line per failed check. Changes
    /// before the listener opens are first checks' verdicts: the "first health checks done" line lists them.
    func healthChanged(
        _ backend: Backend, _ transition: HealthMachine.Transition, reason: @autoclosure () -> String
    ) {
        guard transition != .none else { return }
        if transition == .wentDown { closeIdle(of: backend) }
        let tenths = (now - backend.healthSinceMs) / 100
        backend.healthSinceMs = now
        if acceptGate == .waitingForFirstChecks { return }
        let (state, was) = transition == .wentUp ? ("up", "down") : ("down", "up")
        let line: Logger.Message =
            "backend \(backend.name) is \(state) (\(reason())); it was \(was) for \(tenths / 10).\(tenths % 10) s"
        if transition == .wentUp { logger.notice(line) } else { logger.warning(line) }
    }

    // MARK: Upstream connections

    func acquire(_ backend: Backend) -> UpstreamConnection? {
        if let pooled = backend.idle.popLast() {
            pooled.reused = true
            return pooled
        }
        let connection: UpstreamConnection
        switch Sockets.connect(backend.sockaddr, backend.sockaddrLength) {
        case .connected(let fd):
            connection = UpstreamConnection(proxy: self, backend: backend, fd: fd, connecting: false)
        case .inProgress(let fd):
            connection = UpstreamConnection(proxy: self, backend: backend, fd: fd, connecting: true)
        case .failed:
            return nil
        }
        connection.registryIndex = upstreams.count
        upstreams.append(connection)
        return connection
    }

    func release(_ connection: UpstreamConnection, reusable: Bool) {
        connection.client = nil
        let backend = connection.backend
        guard reusable, !isShuttingDown, !backend.removed, backend.idle.count < config.poolMaxIdle,
            connection.generation == backend.generation
        else {
            closeUpstream(connection)
            return
        }
        connection.inBuf.clear()
        connection.parse.dechunkTarget = nil
        connection.resumeRead()
        connection.deadline = now + Int64(config.poolIdleTimeoutMs)
        backend.idle.append(connection)
    }

    func closeUpstream(_ connection: UpstreamConnection) {
        guard !connection.isClosed else { return }
        if connection.client == nil, let index = connection.backend.idle.firstIndex(where: { $0 === connection }) {
            connection.backend.idle.remove(at: index)
        }
        connection.client = nil
        connection.closeSocket()
        // Before the registry lets go of it: this may be the last strong reference.
        graveyard.append(connection)
        let index = connection.registryIndex
        if index >= 0 && index < upstreams.count && upstreams[index] === connection {
            let last = upstreams.removeLast()
            if index < upstreams.count {
                upstreams[index] = last
                last.registryIndex = index
            }
        }
        connection.registryIndex = -1
    }

    func closeIdle(of backend: Backend) {
        while let connection = backend.idle.popLast() { closeUpstream(connection) }
    }

    // MARK: Clients

    func closeClient(_ client: ClientConnection) {
        guard !client.isClosed else { return }
        client.closeSocket()
        graveyard.append(client)
        let index = client.registryIndex
        if index >= 0 && index < clients.count && clients[index] === client {
            let last = clients.removeLast()
            if index < clients.count {
                clients[index] = last
                last.registryIndex = index
            }
        }
        client.registryIndex = -1
        if acceptGate == .atConnectionLimit && clients.count < config.maxConnections {
            acceptGate = .open
            updateAccept()
        }
        if isShuttingDown && clients.isEmpty { finishShutdown() }
    }

    func sweep() {
        graveyard.removeAll(keepingCapacity: true)
        var index = clients.count - 1
        while index >= 0 {
            if index < clients.count { clients[index].checkDeadline(now: now) }
            index -= 1
        }
        index = upstreams.count - 1
        while index >= 0 {
            if index < upstreams.count { checkUpstreamDeadline(upstreams[index]) }
            index -= 1
        }
    }

    private func checkUpstreamDeadline(_ connection: UpstreamConnection) {
        guard now >= connection.deadline else { return }
        guard let client = connection.client else {
            closeUpstream(connection)
            return
        }
        if connection.connecting {
            client.upstreamFailed(.connectFailed, countsAgainstBackend: true, detail: "connect timed out")
        } else if !client.requestComplete && !client.responseStarted {
            // The backend is silent because it still waits for the body; the client's body deadline, not this
            // one, decides how long that may take (a slow upload is the client's fault, answered 408, not 504).
            connection.deadline = now + Int64(config.backendResponseTimeoutMs)
        } else if client.responseStarted {
            client.upstreamBroke()
        } else {
            client.upstreamFailed(.responseTimeout, countsAgainstBackend: true, detail: "response timed out")
        }
    }

    // MARK: Timers

    private final class TimerBox {
        unowned(unsafe) let proxy: Proxy
        let action: (Proxy) -> Void
        init(proxy: Proxy, action: @escaping (Proxy) -> Void) {
            self.proxy = proxy
            self.action = action
        }
    }

    /// A persistent timer; the box is retained for the life of the proxy.
    @discardableResult
    func addTimer(milliseconds: Int, repeating: Bool = true, _ action: @escaping (Proxy) -> Void) -> OpaquePointer {
        let box = Unmanaged.passRetained(TimerBox(proxy: self, action: action)).toOpaque()
        let flags = repeating ? Int16(EV_PERSIST) : 0
        let event = event_new(base, -1, flags, timerCallback, box)!
        var interval = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        event_add(event, &interval)
        timers.append(event)
        return event
    }

    fileprivate static func fire(_ box: UnsafeMutableRawPointer) {
        let timer = Unmanaged<TimerBox>.fromOpaque(box).takeUnretainedValue()
        timer.proxy.tick()
        timer.action(timer.proxy)
    }
}

struct ProxyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private let timerCallback: event_callback_fn = { _, _, arg in
    Proxy.fire(arg!)
}

private let acceptCallback: event_callback_fn = { _, _, arg in
    let proxy = Unmanaged<Proxy>.fromOpaque(arg!).takeUnretainedValue()
    proxy.tick()
    proxy.acceptReady()
}
