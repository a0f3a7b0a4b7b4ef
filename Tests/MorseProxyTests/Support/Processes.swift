import Foundation
import MorseTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Free loopback port (bound then released; the tests run serially so reuse races are unlikely).
func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return UInt16(bigEndian: address.sin_port)
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The python test backend (Fixtures/backend.py) in its own process, so it can be SIGKILLed.
final class BackendProcess: @unchecked Sendable {
    let name: String
    let port: UInt16
    let process = Process()

    init(_ name: String, port: UInt16? = nil) throws {
        self.name = name
        self.port = port ?? freePort()
        let script = packageRoot.appendingPathComponent("Tests/MorseProxyTests/Fixtures/backend.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, name, String(self.port)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Wait for "READY <port>".
        let handle = output.fileHandleForReading
        var seen = Data()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
            if String(decoding: seen, as: UTF8.self).contains("READY") { return }
        }
        throw TestError.io("backend \(name) did not start")
    }

    func kill(_ signal: Int32 = SIGKILL) {
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The morse-proxy binary built next to the test bundle, run as a child process.
final class ProxyProcess: @unchecked Sendable {
    let port: UInt16
    let adminPort: UInt16
    let process = Process()
    let logFile: URL

    static var binary: String {
        let nextToTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("morse-proxy").path
        if FileManager.default.fileExists(atPath: nextToTests) { return nextToTests }
        return packageRoot.appendingPathComponent(".build-proxy/debug/morse-proxy").path
    }

    /// Execs the proxy with every signal blocked and SIGHUP, SIGINT and SIGTERM ignored: the state a careless
    /// supervisor hands down (both survive exec), which the proxy must not depend on.
    static let hostileParent = """
        import os, signal, sys
        signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})
        for number in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)
        os.execv(sys.argv[1], sys.argv[1:])
        """

    init(
        backends: [BackendProcess] = [], arguments: [String] = [], waitForReady: Bool = true,
        startedByHostileParent: Bool = false, binary: String? = nil, ports: (listen: UInt16, admin: UInt16)? = nil
    ) throws {
        port = ports?.listen ?? freePort()
        adminPort = ports?.admin ?? freePort()
        logFile = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "morse-proxy-\(port)-\(UInt32.random(in: 0...UInt32.max)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var args = ["--listen", "127.0.0.1:\(port)", "--admin", "127.0.0.1:\(adminPort)"]
        for backend in backends { args += ["--backend", "\(backend.name)=127.0.0.1:\(backend.port)"] }
        args += ["--health-interval", "200ms", "--health-timeout", "100ms", "--access-log", "off"]
        if startedByHostileParent {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", Self.hostileParent, Self.binary] + args + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary ?? Self.binary)
            process.arguments = args + arguments
        }
        let log = try FileHandle(forWritingTo: logFile)
        process.standardError = log
        process.standardOutput = log
        try process.run()
        if waitForReady { try waitUntilServing() }
    }

    var pid: Int32 { process.processIdentifier }

    /// Until the first health checks are done: the listener accepts in the kernel as soon as it is bound, but the
    /// proxy takes connections (and /status shows checked states) only after that line.
    func waitUntilServing() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && process.isRunning {
            if log().contains("accepting connections") { return }
            usleep(20_000)
        }
        throw TestError.io("proxy did not start: \(log())")
    }

    func admin(_ method: String, _ path: String) throws -> TestResponse {
        try request(port: adminPort, method, path)
    }

    /// Parsed /status backends by name.
    func status() throws -> [String: [String: Any]] {
        let response = try admin("GET", "/status")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        var result: [String: [String: Any]] = [:]
        for backend in (object?["backends"] as? [[String: Any]]) ?? [] {
            result[backend["name"] as! String] = backend
        }
        return result
    }

    /// The whole /status object: top-level counters, "queue", "buffers" and "backends".
    func statusObject() throws -> [String: Any] {
        let response = try admin("GET", "/status")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    /// One number of a /status section ("queue", "buffers"), or of the top level when `section` is nil.
    func statusNumber(_ section: String?, _ key: String) throws -> Int {
        let object = try statusObject()
        let scope = section.flatMap { object[$0] as? [String: Any] } ?? object
        return (scope[key] as? NSNumber)?.intValue ?? -1
    }

    /// Seconds until /status shows backend `name` in `state`, polled every 10 ms; nil when not within `seconds`.
    func secondsUntil(_ name: String, is state: String, within seconds: Double = 3) throws -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try status()[name]?["state"] as? String == state { return Date().timeIntervalSince(start) }
            usleep(10_000)
        }
        return nil
    }

    func rssKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for exit; returns the exit status, or nil on timeout.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
    }
}

/// Runs the proxy binary to its end: the exit status, and stdout and stderr together.
func runBinary(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ProxyProcess.binary)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// Runs `body` on `count` threads and waits for all.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            body(index)
            group.leave()
        }
    }
    group.wait()
}

/// One GET on a kept-alive connection (opened when nil), counted in `tally`: "ok" and "by-<X-Served-By>", or
/// "failed" with a note. The connection is dropped after an error or a `Connection: close`.
func tallyGet(_ path: String, port: UInt16, over connection: inout RawConnection?, into tally: Tally) {
    do {
        if connection == nil { connection = try RawConnection(port: port) }
        connection!.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try connection!.readResponse()
        if response.status == 200 {
            tally.add("ok")
            tally.add("by-" + (response.header("X-Served-By") ?? "?"))
        } else {
            tally.add("failed")
            tally.note("status \(response.status): \(response.text)")
        }
        if response.header("Connection") == "close" { connection = nil }
    } catch {
        tally.add("failed")
        tally.note("\(error)")
        connection = nil
    }
}

/// A thread-safe counter bag for load loops.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var notes: [String] = []

    func add(_ key: String, _ amount: Int = 1) {
        lock.lock()
        counts[key, default: 0] += amount
        lock.unlock()
    }

    func note(_ text: String) {
        lock.lock()
        if notes.count < 20 { notes.append(text) }
        lock.unlock()
    }

    subscript(_ key: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return counts[key, default: 0]
    }

    var all: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    var firstNotes: [String] {
        lock.lock()
        defer { lock.unlock() }
        return notes
    }
}
