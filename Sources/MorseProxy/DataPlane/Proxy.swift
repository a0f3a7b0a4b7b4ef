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
    /// Connections closed during this loop pass, freed at its end (`run`). Holding them until then lets event
    /// callbacks skip retain/release: nothing is deallocated while one of its callbacks may still be on the stack.
    var graveyard: [SocketConnection] = []
    /// Closed client connections kept, with their events and address buffer, for the next accepts
    /// (Proxy+SpareClients), and how many connection objects were made and reused.
    var spareClients: [ClientConnection] = []
    var clientObjectsCreated: UInt64 = 0
    var clientObjectsReused: UInt64 = 0
    #if DEBUG
    /// The fields of the first connection made, as `init` left them: each reused one must match (debug only).
    var freshClientFields: [String]?
    #endif
    /// Buffers and per-request scratch, lent to connections only while bytes are in flight.
    let buffers: BufferPool
    let scratches: ScratchPool
    /// Requests waiting for a backend below `backend-max-connections`, oldest first.
    var queue = RequestQueue()
    var queueStats = QueueStats()
    /// Connections freed since the last time memory was handed back to the system (`Proxy.giveBackMemory`).
    var freedSinceTrim = 0
    /// Writes queued during this loop iteration, performed once every ready event was handled.
    var postedWrites: [SocketConnection] = []
    var stopRequested = false
    var requestIDs = RequestIDGenerator()
    var accessLog: AccessLog
    var localStats = BackendStats()
    var retriesTotal: UInt64 = 0
    var acceptedTotal: UInt64 = 0
    /// Coarse monotonic milliseconds, refreshed once per event callback.
    var now: Int64 = Clock.coarseMilliseconds()

    var listenFD: Int32 = -1
    var listenEvent: EventHandle?
    var acceptGate = AcceptGate.waitingForFirstChecks
    /// Every live timer (`LoopTimer`): one-shot ones leave when they fire, the rest when cancelled or at deinit.
    var timers: [LoopTimer] = []
    var signalEvents: [EventHandle] = []
    /// The one-shot timer that reopens accept after EMFILE, while armed (never two at once).
    var acceptRetryTimer: LoopTimer?
    var graceTimer: LoopTimer?
    var quiesceTimer: LoopTimer?
    /// Set by `beginQuiescing`: no accepts, every response says `Connection: close`, idle connections close.
    var isQuiescing = false
    var quiescedAction: ((Proxy) -> Void)?
    var quiesceStartMs: Int64 = 0
    var admin: AdminServer?
    /// The binary upgrade (Proxy+HandOver): where this process listens for a successor, the successor it handed
    /// its sockets to while that one starts, and, in a new process, the old one until it is told `ready`.
    var upgradeFD: Int32 = -1
    var upgradeEvent: EventHandle?
    var successor: Successor?
    var predecessor: Predecessor?
    /// The successor process SIGUSR2 started, until it is reaped.
    var successorChild: pid_t = 0
    /// `--take-over PATH`: take the listening sockets from the proxy listening there instead of binding them.
    public var takeOverPath: String?
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
        buffers = BufferPool(maxFreeChunks: Self.maxFreeChunks)
        scratches = ScratchPool(maxHeaders: config.maxHeaderCount, maxFree: Self.maxFreeScratches)
        let host = config.listen.host.contains(":") ? "[\(config.listen.host)]" : config.listen.host
        let hostBytes = Array("\(host):\(config.listen.port)".utf8)
        ownHost = .allocate(byteCount: hostBytes.count, alignment: 1)
        ownHost.copyBytes(from: hostBytes)
        for spec in config.backends { addBackend(spec) }
    }

    deinit {
        ownHost.deallocate()
        accessLog.flush()
        for timer in timers { timer.cancel() }
        for event in signalEvents { event.free() }
        listenEvent?.free()
        upgradeEvent?.free()
        successor?.event.free()
        // Connections outlive this body (stored properties are released after it); their events must not.
        for connection in clients { connection.freeEvents() }
        for connection in upstreams { connection.freeEvents() }
        for connection in graveyard { connection.freeEvents() }
        for connection in spareClients { connection.freeEvents() }
        event_base_free(base)
    }

    /// Binds, starts health checks and admin, then runs the loop until shutdown completes.
    public func run() throws {
        // Resolved now, before an upgrade may replace the binary or anything changes the working directory.
        _ = Self.executablePath
        var inheritedAdmin: Int32?
        if let path = takeOverPath {
            let taken = try takeOver(from: path)
            listenFD = taken.listener
            inheritedAdmin = taken.admin
        } else {
            listenFD = try Sockets.listenOrExplain(config.listen)
        }
        attachListener(listenFD)
        if let adminAddress = config.admin {
            admin = try AdminServer(proxy: self, address: adminAddress, inherited: inheritedAdmin)
        } else if let inheritedAdmin {
            close(inheritedAdmin)
        }
        // A new process listens for its own successor once it serves (`tellPredecessorReady`).
        if takeOverPath == nil {
            try listenForSuccessor()
        }
        installSignals()
        addTimer(milliseconds: 50) { $0.sweep() }
        addTimer(milliseconds: 1000) { proxy in
            proxy.accessLog.flush()
            proxy.giveBackMemory()
        }
        startHealthChecks()
        logger.notice(
            "morse-proxy listening on \(config.listen), admin \(config.admin.map { "\($0)" } ?? "off"), backends \(backends.map { "\($0.name)=\($0.address)" }.joined(separator: " "))"
        )
        // EVLOOP_ONCE returns after running the callbacks of one epoll batch: the hook libevent 2.1 lacks for
        // "end of iteration", where the queued writes go out.
        while !stopRequested {
            event_base_loop(base, EVLOOP_ONCE)
            runDeferredWrites()
            freeClosed()
        }
        freeClosed()
        accessLog.flush()
        logger.notice("morse-proxy stopped")
    }

    /// The accept event of the listening socket, bound here or taken over; enabled when the accept gate opens.
    func attachListener(_ fd: Int32) {
        let arg = Unmanaged.passUnretained(self).toOpaque()
        listenEvent = EventHandle(base: base, fd: fd, flags: EV_READ, callback: acceptCallback, arg: arg)
    }

    @inline(__always) func tick() { now = Clock.coarseMilliseconds() }

    /// The end of a loop pass: queued requests take the slots freed during it, then every posted write goes out,
    /// in the order posted. A write may post more (an error answer, a pipelined request's upstream write): the
    /// list is read by index, so those go out in the same pass.
    func runDeferredWrites() {
        if queue.needsService { serviceQueue() }
        var index = 0
        while index < postedWrites.count {
            let connection = postedWrites[index]
            connection.writePosted = false
            connection.writeNow()
            index += 1
            if queue.needsService { serviceQueue() }
        }
        postedWrites.removeAll(keepingCapacity: true)
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

    enum Pick {
        case chosen(Backend)
        /// Eligible backends exist, but every one is at `backend-max-connections`: the request waits.
        case allBusy
        case noneEligible
    }

    @inline(__always)
    func pickBackend(excluding tried: UInt64) -> Pick {
        let list = backends
        let limit = config.backendMaxConnections
        // A request already waiting goes first: a newcomer may not overtake the queue.
        if queue.isEmpty || queue.servicing {
            if let index = balancer.next(
                count: list.count,
                eligible: {
                    list[$0].isEligible && list[$0].hasRoom(limit) && tried & (1 << UInt64(list[$0].id & 63)) == 0
                })
            {
                return .chosen(list[index])
            }
            // Every eligible backend with room was tried already: go round again rather than give up early.
            if tried != 0,
                let index = balancer.next(
                    count: list.count, eligible: { list[$0].isEligible && list[$0].hasRoom(limit) })
            {
                return .chosen(list[index])
            }
        }
        return list.contains(where: { $0.isEligible }) ? .allBusy : .noneEligible
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
        // A backend that came up takes queued requests; one that went down may leave the queue with none.
        queue.needsService = !queue.isEmpty
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
        register(connection, in: &upstreams)
        return connection
    }

    func release(_ connection: UpstreamConnection, reusable: Bool) {
        connection.client = nil
        let backend = connection.backend
        guard reusable, !isQuiescing, !backend.removed, backend.idle.count < config.poolMaxIdle,
            connection.generation == backend.generation
        else {
            closeUpstream(connection)
            return
        }
        buffers.recycle(&connection.inBuf)
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
        unregister(connection, from: &upstreams)
    }

    func closeIdle(of backend: Backend) {
        while let connection = backend.idle.popLast() { closeUpstream(connection) }
    }

    // MARK: Clients

    func closeClient(_ client: ClientConnection) {
        guard !client.isClosed else { return }
        client.closeSocket()
        unregister(client, from: &clients)
        if client.isQueued { queue.remove(client) }
        if acceptGate == .atConnectionLimit && clients.count < config.maxConnections {
            acceptGate = .open
            updateAccept()
        }
        if isQuiescing && clients.isEmpty { quiesced() }
    }

    /// End of a loop pass: what closed during it is freed now, not at a later sweep.
    @inline(__always) func freeClosed() {
        if graveyard.isEmpty { return }
        var kept = 0
        for connection in graveyard {
            if spareClients.count < Self.maxSpareClients, let client = connection as? ClientConnection,
                client.isReusable
            {
                spareClients.append(client)
                kept += 1
            } else {
                connection.freeEvents()
            }
        }
        freedSinceTrim += graveyard.count - kept
        graveyard.removeAll(keepingCapacity: graveyard.count <= 256)
    }

    /// Once a second: pooled memory not needed during the last second goes back to the system, and so does the
    /// allocator's free memory once many connections were freed (glibc keeps it in its heap otherwise).
    func giveBackMemory() {
        buffers.decay()
        if freedSinceTrim >= 1000 {
            freedSinceTrim = 0
            malloc_trim(0)
        }
    }

    func sweep() {
        expireQueued()
        if isQuiescing { closeIdleWhileQuiescing() }
        if successor != nil { checkSuccessorDeadline() }
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
        } else if !client.exchange.requestComplete && !client.exchange.responseStarted {
            // The backend is silent because it still waits for the body; the client's body deadline, not this
            // one, decides how long that may take (a slow upload is the client's fault, answered 408, not 504).
            connection.deadline = now + Int64(config.backendResponseTimeoutMs)
        } else if client.exchange.responseStarted {
            client.upstreamBroke()
        } else {
            client.upstreamFailed(.responseTimeout, countsAgainstBackend: true, detail: "response timed out")
        }
    }

    // MARK: Timers

    @discardableResult
    func addTimer(milliseconds: Int, repeating: Bool = true, _ action: @escaping (Proxy) -> Void) -> LoopTimer {
        let timer = LoopTimer(proxy: self, milliseconds: milliseconds, repeating: repeating, action: action)
        timers.append(timer)
        return timer
    }

    /// Called by a timer that cancelled itself or fired its only time.
    func forget(_ timer: LoopTimer) {
        if let index = timers.firstIndex(where: { $0 === timer }) { timers.remove(at: index) }
    }
}

struct ProxyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private let acceptCallback: event_callback_fn = { _, _, arg in
    let proxy = Unmanaged<Proxy>.fromOpaque(arg!).takeUnretainedValue()
    proxy.tick()
    proxy.acceptReady()
}
