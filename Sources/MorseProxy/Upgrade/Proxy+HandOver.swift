import CLibevent
import Glibc
import Logging

/// Binary upgrade without a moment with no listener. The running proxy listens on `upgrade-socket`; a new process
/// started with `--take-over PATH` connects, receives the listening sockets (public and admin, as `SCM_RIGHTS`) with
/// the backends' operator state and health (`HandOverState`), sets itself up, runs its first health checks and
/// says `ready`. Only then does the old process stop accepting and quiesce (`beginShutdown`): requests in flight
/// finish, keep-alive clients are told `Connection: close`, idle connections close without racing a request on its
/// way (`Proxy+Quiesce`).
///
/// Both processes hold the same listening socket meanwhile: one socket, one accept queue, so no connection is
/// refused and none waiting in the queue is lost (closing one of two `SO_REUSEPORT` sockets would drop its queue).
/// A new process that fails before `ready` changes nothing: the old one never stopped accepting.
extension Proxy {
    /// How long the old process waits for `ready` before it gives the successor up (and keeps serving).
    static let successorTimeoutMs: Int64 = 60_000

    // MARK: The running process: hands its sockets over

    /// Listens for a successor at `upgrade-socket`, if set.
    func listenForSuccessor() throws {
        guard let path = config.upgradeSocket else { return }
        do {
            upgradeFD = try UnixSocket.listen(path: path)
        } catch {
            throw ProxyError("cannot listen for an upgrade on \(path): \(error)")
        }
        let arg = Unmanaged.passUnretained(self).toOpaque()
        upgradeEvent = EventHandle(base: base, fd: upgradeFD, flags: EV_READ, callback: successorCallback, arg: arg)
        upgradeEvent?.enable()
    }

    /// A successor connected: it gets the sockets and the state, then this process waits for its `ready`.
    func acceptSuccessor() {
        let fd = morse_accept4(upgradeFD, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        guard fd >= 0 else { return }
        guard !isShuttingDown, successor == nil else {
            logger.warning(
                "upgrade: a second process asked for the sockets while \(isShuttingDown ? "stopping" : "one is taking over"); refused"
            )
            close(fd)
            return
        }
        var sockets: [HandOverState.Socket] = [HandOverState.Socket(role: .listener, address: config.listen)]
        var fds = [listenFD]
        if let admin, let address = config.admin, let adminFD = admin.listenFD {
            sockets.append(HandOverState.Socket(role: .admin, address: address))
            fds.append(adminFD)
        }
        let state = HandOverState(
            version: ProxyVersion.current, pid: getpid(), sockets: sockets,
            backends: backends.filter { !$0.removed }.map {
                HandOverState.BackendEntry(name: $0.name, adminState: $0.adminState, healthy: $0.health.isUp)
            })
        do {
            try UnixSocket.send(fd, state.render(), fds: fds)
        } catch {
            logger.error("upgrade: cannot hand the sockets over: \(error); still serving")
            close(fd)
            return
        }
        let arg = Unmanaged.passUnretained(self).toOpaque()
        var event = EventHandle(base: base, fd: fd, flags: EV_READ, callback: successorMessageCallback, arg: arg)
        event.enable()
        successor = Successor(fd: fd, event: event, sinceMs: now)
        logger.notice("upgrade: sockets handed to a new process; waiting for it to be ready")
    }

    /// The successor's answer: `ready PID VERSION`, or the socket closing (it failed).
    func successorAnswered() {
        guard let pending = successor else { return }
        let text: String
        do {
            text = try UnixSocket.receive(pending.fd, maxBytes: 256).text
        } catch {
            if error.code == EAGAIN { return }
            text = ""
        }
        dropSuccessor()
        guard let ready = HandOverState.Ready.parse(text) else {
            logger.error(
                "upgrade failed: the new process went away before it was ready (\(text.isEmpty ? "no answer" : text)); this process (version \(ProxyVersion.current)) keeps serving"
            )
            return
        }
        let took = now - pending.sinceMs
        logger.notice(
            "upgrade: process \(ready.pid) (version \(ready.version)) is serving after \(took) ms; this one quiesces")
        admin?.stopAccepting()
        beginShutdown(signal: "upgrade")
    }

    /// The successor took too long: given up, and told so by the closed socket.
    func checkSuccessorDeadline() {
        guard let pending = successor, now - pending.sinceMs > Self.successorTimeoutMs else { return }
        dropSuccessor()
        logger.error(
            "upgrade failed: the new process was not ready within \(Self.successorTimeoutMs / 1000) s; this process keeps serving"
        )
    }

    private func dropSuccessor() {
        guard let pending = successor else { return }
        pending.event.free()
        close(pending.fd)
        successor = nil
    }

    /// No successor is taken once stopping; the path is left alone (a successor may have bound it already).
    func stopListeningForSuccessor() {
        dropSuccessor()
        Self.closeListening(&upgradeEvent, &upgradeFD)
    }

    // MARK: The new process: takes the sockets over

    /// Connects to the running proxy at `path` and takes its sockets and state. Sockets whose address the new
    /// configuration changed are closed and bound afresh. Throws, having changed nothing in the running proxy,
    /// when there is none to take over from.
    func takeOver(from path: String) throws -> (listener: Int32, admin: Int32?) {
        let channel: Int32
        do {
            channel = try UnixSocket.connect(path: path, timeoutMs: 10_000)
        } catch {
            throw ProxyError("cannot take over: no morse-proxy answers at \(path) (\(error))")
        }
        let message: (text: String, fds: [Int32])
        let state: HandOverState
        do {
            message = try UnixSocket.receive(channel, maxBytes: HandOverState.maxBytes)
        } catch {
            close(channel)
            throw ProxyError("cannot take over from \(path): \(error)")
        }
        guard !message.text.isEmpty else {
            close(channel)
            throw ProxyError(
                "cannot take over: the morse-proxy at \(path) refused (it is stopping, or another process is taking over)"
            )
        }
        do {
            state = try HandOverState.parse(message.text)
        } catch {
            for fd in message.fds { close(fd) }
            close(channel)
            throw ProxyError("cannot take over from \(path): \(error)")
        }
        var listener: Int32 = -1
        var adminFD: Int32?
        for fd in message.fds.dropFirst(state.sockets.count) { close(fd) }
        for (index, socket) in state.sockets.enumerated() where index < message.fds.count {
            let fd = message.fds[index]
            switch socket.role {
            case .listener where socket.address == config.listen: listener = fd
            case .admin where socket.address == config.admin: adminFD = fd
            default:
                logger.notice("upgrade: \(socket.role.rawValue) address changed (\(socket.address)); binding afresh")
                close(fd)
            }
        }
        for entry in state.backends {
            guard let backend = backends.first(where: { $0.name == entry.name }) else { continue }
            backend.adminState = entry.adminState
            backend.health = HealthMachine(rise: config.rise, fall: config.fall, carriedOver: entry.healthy)
        }
        predecessor = Predecessor(fd: channel, pid: state.pid, version: state.version)
        logger.notice(
            "upgrade: took the sockets of process \(state.pid) (version \(state.version)); \(state.backends.count) backend states carried over"
        )
        if listener < 0 { listener = try Sockets.listenOrExplain(config.listen) }
        return (listener, adminFD)
    }

    /// Tells the old process to stop accepting: this one accepts from now on (called when the first health
    /// checks are done and the listener is enabled). Then this process listens for its own successor.
    func tellPredecessorReady() {
        guard let old = predecessor else { return }
        predecessor = nil
        // Everything that shows this process as the one serving comes before `ready`, so that whoever sees it
        // can start the next upgrade: systemd follows this pid, the upgrade socket is this process's, and the
        // admin API answers from here.
        ServiceManager.notify("MAINPID=\(getpid())\nREADY=1")
        do {
            try listenForSuccessor()
        } catch {
            logger.error("\(error); the next upgrade needs a restart")
        }
        admin?.startAccepting()
        do {
            try UnixSocket.send(old.fd, HandOverState.Ready(pid: getpid(), version: ProxyVersion.current).render())
            logger.notice("upgrade: serving; process \(old.pid) (version \(old.version)) now quiesces")
        } catch {
            logger.error("upgrade: could not tell process \(old.pid) to quiesce (\(error)); both processes serve")
        }
        close(old.fd)
    }
}

/// The old process, while a successor it handed the sockets to is starting.
struct Successor {
    var fd: Int32
    var event: EventHandle
    var sinceMs: Int64
}

/// The new process, until it told the old one it is ready.
struct Predecessor {
    var fd: Int32
    var pid: Int32
    var version: String
}

private let successorCallback: event_callback_fn = { _, _, arg in
    let proxy = Unmanaged<Proxy>.fromOpaque(arg!).takeUnretainedValue()
    proxy.tick()
    proxy.acceptSuccessor()
}

private let successorMessageCallback: event_callback_fn = { _, _, arg in
    let proxy = Unmanaged<Proxy>.fromOpaque(arg!).takeUnretainedValue()
    proxy.tick()
    proxy.successorAnswered()
}

// MARK: SIGUSR2: this process starts its successor

extension Proxy {
    /// SIGUSR2: runs the binary now installed at this process's path, with this process's command line and
    /// `--take-over`, as its successor. This is how systemd drives an upgrade (`systemctl kill -s USR2`; `reload`
    /// stays the config reload): the successor tells systemd its pid (`MAINPID=`) when it serves, and this process
    /// quiesces and exits. A successor that fails leaves this process serving, and says so in the log.
    func spawnSuccessor() {
        guard let path = config.upgradeSocket else {
            logger.warning("SIGUSR2 ignored: upgrade-socket is off, so no new process could take the sockets over")
            return
        }
        guard !isShuttingDown, successor == nil, successorChild == 0 else {
            logger.warning("SIGUSR2 ignored: \(isShuttingDown ? "stopping" : "an upgrade is already under way")")
            return
        }
        var arguments = [Self.executablePath]
        var rest = CommandLine.arguments.dropFirst()[...]
        while let argument = rest.popFirst() {
            if argument == "--take-over" {
                _ = rest.popFirst()
            } else if !argument.hasPrefix("--take-over=") {
                arguments.append(argument)
            }
        }
        arguments += ["--take-over", path]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        morse_cloexec_from(3)
        let result = posix_spawn(&pid, Self.executablePath, nil, nil, &argv, environ)
        guard result == 0 else {
            logger.error("upgrade: cannot start \(Self.executablePath): \(String(cString: strerror(result)))")
            return
        }
        successorChild = pid
        logger.notice("upgrade: started \(Self.executablePath) as process \(pid) to take over")
    }

    /// SIGCHLD: reaps the successor this process started; one that exits before it took over failed.
    func reapSuccessor() {
        var status: Int32 = 0
        while case let pid = waitpid(-1, &status, WNOHANG), pid > 0 {
            guard pid == successorChild else { continue }
            successorChild = 0
            guard !isShuttingDown else { continue }
            let how = (status & 0x7f) == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
            logger.error(
                "upgrade failed: process \(pid) ended (\(how)) before it took over; this process (version \(ProxyVersion.current)) keeps serving"
            )
        }
    }

    /// The path this process was started from, made absolute at start: the binary an upgrade replaces there is
    /// the one SIGUSR2 starts (not `/proc/self/exe`, which names the running, replaced one).
    static let executablePath: String = {
        let first = CommandLine.arguments.first ?? "morse-proxy"
        if first.hasPrefix("/") { return first }
        if first.contains("/"), let cwd = getcwd(nil, 0) {
            defer { free(cwd) }
            return String(cString: cwd) + "/" + first
        }
        return "/proc/self/exe"
    }()
}
