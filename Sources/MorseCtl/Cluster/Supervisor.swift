import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A program the supervisor keeps running.
struct ProcessSpec: Sendable {
    let name: String
    let executable: URL
    let arguments: [String]
    /// For the front: the arguments that make a new process take the running one's listening sockets over
    /// (`--take-over <upgrade socket>`), which is how SIGUSR2 upgrades it without refusing a connection.
    var takeOverArguments: [String]? = nil
}

/// Starts processes, prefixes their output with their names, restarts those that exit, and stops them all on
/// SIGINT or SIGTERM: the front (the proxy) first, the others once it is gone. SIGUSR2 upgrades the front: a new
/// process (the binary now on disk) takes the old one's sockets over, and the old one quiesces and exits.
///
/// All state lives on one serial queue: process callbacks, signals and restarts arrive on Foundation's threads.
final class Supervisor: @unchecked Sendable {
    private let queue = DispatchQueue(label: "morsectl.supervisor")
    private let specs: [ProcessSpec]
    private var running: [String: ChildProcess] = [:]
    private var failures: [String: Int] = [:]
    private var startedAt: [String: Date] = [:]
    private var stopping = false
    private var workersTold = false
    private var signalSources: [any DispatchSourceSignal] = []
    /// The front being replaced while its successor starts: put back if the successor fails.
    private var retiringFront: ChildProcess?
    private var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    private let output = LinePrefixer()

    /// How long stopped processes get to finish before SIGKILL.
    static let stopGrace: TimeInterval = 15
    /// How long the workers wait for the front to go before they are told to stop anyway: a hung proxy must not
    /// cost them their graceful stop.
    static let frontGrace: TimeInterval = 5
    /// The process stopped first: the one clients talk to.
    static let front = "proxy"

    init(specs: [ProcessSpec]) { self.specs = specs }

    func log(_ message: String) { output.write(name: "cluster", text: message + "\n") }

    func start() {
        for signalNumber in [SIGINT, SIGTERM, SIGUSR2] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in
                if signalNumber == SIGUSR2 {
                    self.upgradeFront()
                } else {
                    self.stopAll(reason: signalNumber == SIGINT ? "SIGINT" : "SIGTERM")
                }
            }
            source.resume()
            signalSources.append(source)
        }
        queue.sync { for spec in specs { launch(spec) } }
    }

    enum Readiness { case ready, timedOut, stopping }

    /// Polls `url` until it answers 200, `timeout` passes, or the cluster is being stopped.
    func waitUntilReady(url: URL, timeout: TimeInterval) async -> Readiness {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if queue.sync(execute: { stopping }) { return .stopping }
            if let (_, response) = try? await URLSession.shared.data(from: url),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return .ready
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return .timedOut
    }

    func waitForShutdown() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if self.stopping && self.running.isEmpty && self.retiringFront == nil {
                    continuation.resume()
                } else {
                    self.shutdownWaiters.append(continuation)
                }
            }
        }
    }

    // MARK: - On the queue

    @discardableResult
    private func launch(_ spec: ProcessSpec, extraArguments: [String] = []) -> ChildProcess? {
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: spec.executable.path, arguments: spec.arguments + extraArguments)
        } catch {
            log("cannot start \(spec.name): \(error)")
            if extraArguments.isEmpty { scheduleRestart(spec) }
            return nil
        }
        process.output.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                output.flush(name: spec.name)
            } else {
                output.write(name: spec.name, data: data)
            }
        }
        // The supervisor lives as long as the command; a strong reference is fine.
        process.onExit(queue: queue) { [self] termination in self.exited(spec, process: process, termination) }
        running[spec.name] = process
        startedAt[spec.name] = Date()
        log(
            "started \(spec.name) (pid \(process.pid)): \(spec.executable.lastPathComponent) \((spec.arguments + extraArguments).joined(separator: " "))"
        )
        return process
    }

    /// SIGUSR2: the front's successor is started with `takeOverArguments` and becomes the front at once, so the
    /// old one's exit (after it quiesced) is not taken for a crash. A successor that exits while the old one still
    /// runs failed to take over: the old one is the front again, and keeps serving.
    private func upgradeFront() {
        guard !stopping, let spec = specs.first(where: { $0.name == Supervisor.front }),
            let takeOver = spec.takeOverArguments, let old = running[spec.name]
        else {
            log("SIGUSR2: no running \(Supervisor.front) to upgrade")
            return
        }
        guard retiringFront == nil else {
            log("SIGUSR2: an upgrade of the \(Supervisor.front) is already under way")
            return
        }
        log("SIGUSR2: upgrading the \(Supervisor.front) (pid \(old.pid)): a new process takes its sockets over")
        retiringFront = old
        running[spec.name] = nil
        guard launch(spec, extraArguments: takeOver) != nil else {
            running[spec.name] = old
            retiringFront = nil
            return
        }
    }

    private func exited(_ spec: ProcessSpec, process: ChildProcess, _ termination: ChildProcess.Termination) {
        if process === retiringFront {
            retiringFront = nil
            log("\(spec.name) (pid \(process.pid)), replaced by an upgrade, \(termination)")
            if stopping && running.isEmpty { finishShutdown() }
            return
        }
        if let old = retiringFront, running[spec.name] === process, !stopping {
            retiringFront = nil
            running[spec.name] = old
            log("\(spec.name) upgrade failed: the new process \(termination); pid \(old.pid) keeps serving")
            return
        }
        guard running[spec.name] === process else { return }
        running[spec.name] = nil
        if stopping {
            log("\(spec.name) \(termination)")
            if spec.name == Supervisor.front { stopBehindTheFront() }
            if running.isEmpty && retiringFront == nil { finishShutdown() }
            return
        }
        // A process that ran for a while before failing starts a fresh backoff.
        if let started = startedAt[spec.name], Date().timeIntervalSince(started) > 30 { failures[spec.name] = 0 }
        log("\(spec.name) \(termination); restarting")
        scheduleRestart(spec)
    }

    private func scheduleRestart(_ spec: ProcessSpec) {
        let attempt = failures[spec.name, default: 0]
        failures[spec.name] = attempt + 1
        let delay = min(10, pow(2, Double(attempt)))
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            if !stopping && running[spec.name] == nil { launch(spec) }
        }
    }

    private func stopAll(reason: String) {
        guard !stopping else {
            log("second \(reason): killing every process now")
            for process in running.values { process.signal(SIGKILL) }
            return
        }
        stopping = true
        log("\(reason): stopping \(running.keys.sorted().joined(separator: ", "))")
        retiringFront?.signal(SIGTERM)
        if running.isEmpty && retiringFront == nil {
            finishShutdown()
            return
        }
        // The proxy first, so that it stops taking requests while the workers finish theirs; the workers once
        // it is gone (a terminal's Ctrl-C reaches them all at once anyway, and each finishes what it has).
        if let front = running[Supervisor.front] {
            front.signal(SIGTERM)
            queue.asyncAfter(deadline: .now() + Supervisor.frontGrace) { [self] in stopBehindTheFront() }
        } else {
            stopBehindTheFront()
        }
        queue.asyncAfter(deadline: .now() + Supervisor.stopGrace) { [self] in
            for (name, process) in running {
                log("\(name) did not stop within \(Int(Supervisor.stopGrace)) s: SIGKILL")
                process.signal(SIGKILL)
            }
            retiringFront?.signal(SIGKILL)
        }
    }

    /// Once: when the front has gone, or after `frontGrace`, whichever comes first.
    private func stopBehindTheFront() {
        guard !workersTold else { return }
        workersTold = true
        for (name, process) in running where name != Supervisor.front { process.signal(SIGTERM) }
    }

    private func finishShutdown() {
        log("every process stopped")
        output.flushAll()
        let waiters = shutdownWaiters
        shutdownWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}

/// Writes children's output to standard output a whole line at a time, each prefixed with its process's name.
final class LinePrefixer: @unchecked Sendable {
    private let lock = NSLock()
    private var partial: [String: Data] = [:]
    private let width = 8

    func write(name: String, text: String) { write(name: name, data: Data(text.utf8)) }

    func write(name: String, data: Data) {
        lock.lock()
        defer { lock.unlock() }
        var buffer = partial[name, default: Data()] + data
        var out = Data()
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            out += prefix(name) + buffer[buffer.startIndex...newline]
            buffer = Data(buffer[(newline + 1)...])
        }
        // A child that writes a huge line without a break should not grow this without bound.
        if buffer.count > 64 * 1024 {
            out += prefix(name) + buffer + Data("\n".utf8)
            buffer = Data()
        }
        partial[name] = buffer
        FileHandle.standardOutput.write(out)
    }

    func flush(name: String) {
        lock.lock()
        defer { lock.unlock() }
        if let rest = partial.removeValue(forKey: name), !rest.isEmpty {
            FileHandle.standardOutput.write(prefix(name) + rest + Data("\n".utf8))
        }
    }

    func flushAll() {
        for name in lock.withLock({ Array(partial.keys) }) { flush(name: name) }
    }

    private func prefix(_ name: String) -> Data {
        Data(("[" + name + "]" + String(repeating: " ", count: max(1, width - name.count))).utf8)
    }
}
