import Foundation
import MorseTestSupport
import NIOConcurrencyHelpers
import Testing

/// SIGTERM on the real binary: readiness fails at once, the worker keeps serving through the drain, the request
/// in flight finishes whole, and the process exits 0.
@Suite("Shutdown")
struct ShutdownTests {
    /// The worker binary `swift test` built next to the test bundle.
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "morse-worker"
        )
        .path
    }

    struct SlowRead: Sendable {
        var status = 0
        var contentLength = -1
        var received = 0
        var riff = false
        var finishedAt = ContinuousClock.now
    }

    @Test func sigtermDrainsAndFinishesInFlightRequests() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build morse-worker first")
        let directory = try temporaryDirectory("morse-shutdown")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try freePort()
        let drain = 4.0
        let pid = try spawn(
            [
                Self.binary, "--port", "\(port)", "--name", "shut1", "--database", "sqlite:\(directory)/morse.db",
                "--drain-seconds", "\(drain)",
            ], output: directory + "/worker.log")
        var exited = false
        defer { if !exited { kill(pid, SIGKILL) } }

        // Ready within 20 s.
        var ready = false
        for _ in 0..<200 where !ready {
            ready = (try? rawGet(port: port, "/readyz"))?.status == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready)
        // The caller's request ID comes back and goes to the log.
        let traced = try rawGet(port: port, "/api/v1/encode?text=SOS", headers: ["X-Request-ID": "trace-7f3a"])
        #expect(traced.status == 200)
        #expect(traced.headers["x-request-id"] == "trace-7f3a")
        #expect(traced.headers["x-served-by"] == "shut1")

        // Four minutes of Morse at 5 WPM, 3.8 MB of WAV, read at about 0.6 MB/s through a small window.
        let text = String(repeating: "PARIS ", count: 20).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let headersRead = NIOLockedValueBox(false)
        async let slow: SlowRead = onThread {
            var result = SlowRead()
            guard let connection = try? RawConnection(port: port, receiveBuffer: 16384) else { return result }
            connection.send(
                "GET /api/v1/audio?text=\(text)&wpm=5&rate=8000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let head = connection.receiveHead()
            headersRead.withLockedValue { $0 = true }
            result.status = head.status
            result.contentLength = Int(head.headers["content-length"] ?? "") ?? -1
            // The body's first bytes may come with the head or in a later read.
            var start = Array(head.rest.prefix(4))
            result.received = head.rest.count
            while true {
                let chunk = connection.receive(maximum: 8192)
                if chunk.isEmpty { break }
                if start.count < 4 { start += chunk.prefix(4 - start.count) }
                result.received += chunk.count
                usleep(12000)
            }
            result.riff = start == Array("RIFF".utf8)
            result.finishedAt = .now
            return result
        }
        while !headersRead.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }

        let signalled = ContinuousClock.now
        #expect(kill(pid, SIGTERM) == 0)
        try await Task.sleep(for: .milliseconds(300))
        let early = try rawGet(port: port, "/readyz")
        #expect(early.status == 503)
        #expect(early.body.contains("\"draining\""))
        try await Task.sleep(until: signalled + .seconds(drain / 2))
        // Still serving, still unready, later in the grace period (checked only if this machine's load has not
        // delayed the test past it).
        let late = try rawGet(port: port, "/readyz")
        let health = try rawGet(port: port, "/healthz")
        if ContinuousClock.now - signalled < .seconds(drain) {
            #expect(late.status == 503)
            #expect(health.status == 200)
        }

        let read = await slow
        #expect(read.status == 200)
        #expect(read.riff)
        #expect(read.contentLength > 3_000_000)
        #expect(read.received == read.contentLength)
        // The request outlived the drain: the listener closed, yet it finished.
        #expect(read.finishedAt - signalled > .seconds(drain))

        var status: Int32 = -1
        for _ in 0..<200 where status == -1 {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        exited = status != -1
        #expect(status == 0)
        let log = (try? String(contentsOfFile: directory + "/worker.log", encoding: .utf8)) ?? ""
        #expect(log.contains("draining"))
        #expect(log.contains("worker stopped"))
        #expect(log.contains("request_id=trace-7f3a"))
    }
}
