import CLibevent
import Glibc
import Logging

/// Active health check for one backend: every interval, a fresh connection sends `GET <path>` and expects a
/// 2xx within the timeout. A fresh connection (not a pooled one) is what proves the backend still accepts.
final class HealthProbe {
    unowned(unsafe) let proxy: Proxy
    unowned(unsafe) let backend: Backend
    private var timer: EventHandle?
    private var io: EventHandle?
    private var fd: Int32 = -1
    private var buffer = ByteBuffer(capacity: 4096)
    private let parse: ParseState
    private var startedNs: Int64 = 0
    private var deadline: Int64 = 0
    private var requestSent = false
    private var stopped = false
    var onFirstResult: (() -> Void)?

    init(proxy: Proxy, backend: Backend) {
        self.proxy = proxy
        self.backend = backend
        parse = ParseState(type: HTTP_RESPONSE, base: buffer.base, maxHeaders: 100)
    }

    deinit {
        finishIO()
        buffer.deallocate()
    }

    /// First check now, then every interval.
    func start() {
        let arg = Unmanaged.passUnretained(self).toOpaque()
        var timer = EventHandle(base: proxy.base, fd: -1, flags: 0, callback: probeTimerCallback, arg: arg)
        timer.enable(milliseconds: proxy.config.healthIntervalMs)
        self.timer = timer
        begin()
    }

    func stop() {
        stopped = true
        timer?.free()
        timer = nil
        finishIO()
    }

    fileprivate func begin() {
        guard !stopped, io == nil else { return }
        startedNs = Clock.nanoseconds()
        deadline = Clock.coarseMilliseconds() + Int64(proxy.config.healthTimeoutMs)
        buffer.clear()
        parse.reset()
        parse.base = buffer.base
        requestSent = false
        switch Sockets.connect(backend.sockaddr, backend.sockaddrLength) {
        case .connected(let socket), .inProgress(let socket):
            fd = socket
            let arg = Unmanaged.passUnretained(self).toOpaque()
            io = EventHandle(
                base: proxy.base, fd: fd, flags: EV_WRITE, persistent: false, callback: probeIOCallback, arg: arg)
            arm()
        case .failed(let code):
            finish(ok: false, status: 0, detail: "connect: \(String(cString: strerror(code)))")
        }
    }

    private func arm() {
        io?.enable(milliseconds: Int(max(1, deadline - Clock.coarseMilliseconds())))
    }

    fileprivate func ioReady(_ what: Int16) {
        if Int32(what) & EV_TIMEOUT != 0 {
            finish(ok: false, status: 0, detail: "timed out after \(proxy.config.healthTimeoutMs)ms")
            return
        }
        if !requestSent {
            let code = Sockets.pendingError(fd)
            if code != 0 {
                finish(ok: false, status: 0, detail: "connect: \(String(cString: strerror(code)))")
                return
            }
            let request =
                "GET \(proxy.config.healthPath) HTTP/1.1\r\nHost: \(backend.address)\r\n"
                + "User-Agent: morse-proxy-health\r\nConnection: close\r\n\r\n"
            let written = request.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) } ?? -1
            guard written == request.utf8.count else {
                finish(ok: false, status: 0, detail: "write failed")
                return
            }
            requestSent = true
            io?.free()
            let arg = Unmanaged.passUnretained(self).toOpaque()
            io = EventHandle(base: proxy.base, fd: fd, flags: EV_READ, callback: probeIOCallback, arg: arg)
            arm()
            return
        }
        if buffer.writableTail == 0 { buffer.clear() }
        let count = read(fd, buffer.writePointer, buffer.writableTail)
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        if count <= 0 {
            finish(ok: false, status: 0, detail: count == 0 ? "closed without a response" : "read failed")
            return
        }
        let start = buffer.writeIndex
        buffer.writeIndex += count
        _ = parse.execute(buffer.base + start, count)
        if parse.hasError {
            finish(ok: false, status: 0, detail: "malformed response")
        } else if parse.headersComplete {
            let status = Int(parse.parser.pointee.status_code)
            finish(ok: status >= 200 && status < 300, status: status, detail: "status \(status)")
        }
    }

    private func finishIO() {
        io?.free()
        io = nil
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    private func finish(ok: Bool, status: Int, detail: String) {
        finishIO()
        let latencyMs = Double(Clock.nanoseconds() - startedNs) / 1e6
        backend.lastCheckStatus = status
        backend.lastCheckLatencyMs = latencyMs
        backend.lastCheckError = ok ? "" : detail
        if ok { backend.stats.checksOK &+= 1 } else { backend.stats.checksFailed &+= 1 }
        // The first answer decides at once (HealthMachine), so its streak is one check, not rise or fall.
        let firstCheck = !backend.health.checked
        let transition = ok ? backend.health.checkSucceeded() : backend.health.checkFailed()
        let streak = ok ? backend.health.consecutiveSuccesses : backend.health.consecutiveFailures
        let inARow = streak > 1 ? ", \(streak) in a row" : ""
        proxy.healthChanged(
            backend, transition,
            reason: "\(firstCheck ? "first " : "")check \(ok ? "passed" : "failed"): \(detail)\(inARow)")
        if let first = onFirstResult {
            onFirstResult = nil
            first()
        }
    }
}

private let probeTimerCallback: event_callback_fn = { _, _, arg in
    let probe = Unmanaged<HealthProbe>.fromOpaque(arg!).takeUnretainedValue()
    probe.proxy.tick()
    probe.begin()
}

private let probeIOCallback: event_callback_fn = { _, what, arg in
    let probe = Unmanaged<HealthProbe>.fromOpaque(arg!).takeUnretainedValue()
    withExtendedLifetime(probe) {
        probe.proxy.tick()
        probe.ioReady(what)
    }
}

extension Proxy {
    func startHealthChecks() {
        guard config.healthIntervalMs > 0 else {
            openAcceptGate()
            return
        }
        pendingFirstChecks = backends.count
        for backend in backends {
            startProbe(backend) { proxy in
                proxy.pendingFirstChecks -= 1
                if proxy.pendingFirstChecks == 0 { proxy.openAcceptGate() }
            }
        }
        // Belt and braces: never keep the listener closed longer than one check timeout.
        addTimer(milliseconds: config.healthTimeoutMs + 50, repeating: false) { $0.openAcceptGate() }
    }

    func startProbe(_ backend: Backend, firstResult: ((Proxy) -> Void)? = nil) {
        guard config.healthIntervalMs > 0, !isShuttingDown else { return }
        let probe = HealthProbe(proxy: self, backend: backend)
        if let firstResult { probe.onFirstResult = { [unowned self] in firstResult(self) } }
        backend.probe = probe
        probe.start()
    }
}
