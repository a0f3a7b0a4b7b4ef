import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A program the supervisor keeps running.
struct ProcessSpec: Sendable {
    let name: String
    let executable: URL
    let arguments: [String]
}

/// Starts processes, prefixes their output with their names, restarts those that exit, and stops them all on
/// SIGINT or SIGTERM.
///
/// All state lives on one serial queue: process callbacks, signals and restarts arrive on Foundation's threads.
final class Supervisor: @unchecked Sendable {
    private let queue = DispatchQueue(label: "morsectl.supervisor")
    private let specs: [ProcessSpec]
    private var running: [String: Process] = [:]
    private var failures: [String: Int] = [:]
    private var startedAt: [String: Date] = [:]
    private var stopping = false
    private var signalSources: [any DispatchSourceSignal] = []
    private var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    private let output = LinePrefixer()

    /// How long stopped processes get to finish before SIGKILL.
    static let stopGrace: TimeInterval = 15

    init(specs: [ProcessSpec]) { self.specs = specs }

    func log(_ message: String) { output.write(name: "cluster", text: message + "\n") }

    func start() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in
                self.stopAll(reason: signalNumber == SIGINT ? "SIGINT" : "SIGTERM")
            }
            source.resume()
            signalSources.append(source)
        }
        queue.sync { for spec in specs { launch(spec) } }
    }

    /// Polls `url` until it answers 200 or `timeout` passes.
    func waitUntilReady(url: URL, timeout: TimeInterval) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: url),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return true
            }
            if queue.sync(execute: { stopping }) { return false }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    func waitForShutdown() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if self.stopping && self.running.isEmpty {
                    continuation.resume()
                } else {
                    self.shutdownWaiters.append(continuation)
                }
            }
        }
    }

    // MARK: - On the queue

    private func launch(_ spec: ProcessSpec) {
        let process = Process()
        process.executableURL = spec.executable
        process.arguments = spec.arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                output.flush(name: spec.name)
            } else {
                output.write(name: spec.name, data: data)
            }
        }
        // The supervisor lives as long as the command; a strong reference is fine.
        process.terminationHandler = { [self] finished in
            queue.async { self.exited(spec, process: finished) }
        }
        do {
            try process.run()
            running[spec.name] = process
            startedAt[spec.name] = Date()
            log(
                "started \(spec.name) (pid \(process.processIdentifier)): \(spec.executable.lastPathComponent) \(spec.arguments.joined(separator: " "))"
            )
        } catch {
            log("cannot start \(spec.name): \(error.localizedDescription)")
            scheduleRestart(spec)
        }
    }

    private func exited(_ spec: ProcessSpec, process: Process) {
        guard running[spec.name] === process else { return }
        running[spec.name] = nil
        let how =
            process.terminationReason == .uncaughtSignal
            ? "was killed by signal \(process.terminationStatus)" : "exited with status \(process.terminationStatus)"
        if stopping {
            log("\(spec.name) \(how)")
            if running.isEmpty { finishShutdown() }
            return
        }
        // A process that ran for a while before failing starts a fresh backoff.
        if let started = startedAt[spec.name], Date().timeIntervalSince(started) > 30 { failures[spec.name] = 0 }
        log("\(spec.name) \(how); restarting")
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
            for process in running.values { kill(process.processIdentifier, SIGKILL) }
            return
        }
        stopping = true
        log("\(reason): stopping \(running.keys.sorted().joined(separator: ", "))")
        if running.isEmpty {
            finishShutdown()
            return
        }
        // The proxy first, so that it stops taking requests while the workers finish theirs.
        for name in running.keys.sorted(by: { a, _ in a == "proxy" }) {
            kill(running[name]!.processIdentifier, SIGTERM)
        }
        queue.asyncAfter(deadline: .now() + Supervisor.stopGrace) { [self] in
            for (name, process) in running {
                log("\(name) did not stop within \(Int(Supervisor.stopGrace)) s: SIGKILL")
                kill(process.processIdentifier, SIGKILL)
            }
        }
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
