import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Memory on demand: buffers and request scratch are lent only while bytes are in flight, closed connections are
/// freed at the end of the loop pass, and nothing stays held after any number of connections came and went.
final class MemoryTests: XCTestCase {
    /// Connections for the churn test: 100,000 in a debug build; scripts/sanitize.sh sets 10,000.
    static var churnConnections: Int {
        Int(ProcessInfo.processInfo.environment["MORSE_CHURN_CONNECTIONS"] ?? "") ?? 100_000
    }
    /// Set by scripts/sanitize.sh: ASan's quarantine holds freed memory on purpose, so RSS says nothing there.
    static var sanitized: Bool { ProcessInfo.processInfo.environment["MORSE_SANITIZER"] != nil }

    func testAnIdleKeepAliveConnectionHoldsNoBufferAndAlmostNoMemory() throws {
        let backend = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [backend])
        // A few requests first, so the measure starts from a proxy that has served traffic; no warm-up with as
        // many connections, which would leave the allocator's heap ready to hold them at no visible cost.
        _ = try holdIdle(proxy, count: 20)
        try waitUntilNoConnections(proxy)
        let before = proxy.rssKiB()
        var held = try holdIdle(proxy, count: 2_000)
        usleep(300_000)
        let after = proxy.rssKiB()
        let perConnection = Double(after - before) * 1024 / Double(held.count)
        print(
            "RSS \(before) KiB -> \(after) KiB holding \(held.count) idle connections: \(Int(perConnection)) bytes each"
        )
        XCTAssertEqual(try proxy.statusNumber(nil, "connections"), held.count)
        XCTAssertEqual(try proxy.statusNumber("buffers", "chunks_in_use"), 0, "an idle connection holds a buffer")
        XCTAssertEqual(try proxy.statusNumber("buffers", "scratch_in_use"), 0, "an idle connection holds a parser")
        if !Self.sanitized { XCTAssertLessThanOrEqual(perConnection, 2048, "more than 2 KiB per idle connection") }
        // Each still works: a second request on every tenth.
        for connection in held.enumerated().filter({ $0.offset % 10 == 0 }).map(\.element) {
            connection.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try connection.readResponse().status, 200)
        }
        held.removeAll()
    }

    func testConnectionChurnLeavesNothingHeld() throws {
        let backend = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [backend], arguments: ["--max-header-bytes", "64KiB"])
        let total = Self.churnConnections
        let tally = Tally()
        churn(proxy, count: 2_000, tally: tally)
        try requireAlive(proxy)
        try waitUntilNoConnections(proxy)
        sleep(3)
        let before = proxy.rssKiB()
        let started = Date()
        churn(proxy, count: total, tally: tally)
        try requireAlive(proxy)
        try waitUntilNoConnections(proxy)
        sleep(3)
        let after = proxy.rssKiB()
        let buffers = try proxy.statusObject()["buffers"] as? [String: Any] ?? [:]
        let objects = try proxy.statusObject()["client_objects"] as? [String: Any] ?? [:]
        print(
            "\(total) connections in \(Int(Date().timeIntervalSince(started))) s: \(tally.all); RSS \(before) KiB -> "
                + "\(after) KiB; buffers \(buffers); client objects \(objects)")
        XCTAssertEqual(tally["failed"], 0, "\(tally.firstNotes)")
        XCTAssertEqual(try proxy.statusNumber(nil, "connections"), 0)
        XCTAssertEqual(try proxy.statusNumber("buffers", "chunks_in_use"), 0, "chunks leaked")
        XCTAssertEqual(try proxy.statusNumber("buffers", "large_in_use"), 0, "large buffers leaked")
        XCTAssertEqual(try proxy.statusNumber("buffers", "scratch_in_use"), 0, "scratches leaked")
        XCTAssertLessThanOrEqual(try proxy.statusNumber("buffers", "chunks_free"), 64, "free chunks not given back")
        // No per-connection allocation in the steady state: four clients at a time need a handful of connection
        // objects, every later connection reuses one (and a debug build checks each reuse left nothing behind).
        let created = try proxy.statusNumber("client_objects", "created_total")
        let reused = try proxy.statusNumber("client_objects", "reused_total")
        XCTAssertEqual(created + reused, total + 2_000, "accepted connections not counted: \(objects)")
        XCTAssertLessThanOrEqual(created, 64, "client connection objects were made instead of reused: \(objects)")
        if !Self.sanitized {
            XCTAssertLessThanOrEqual(after - before, 4096, "RSS grew by more than 4 MiB over \(total) connections")
        }
    }

    /// Opens `count` connections, each served one request, and keeps them open.
    private func holdIdle(_ proxy: ProxyProcess, count: Int) throws -> [RawConnection] {
        var held: [RawConnection] = []
        for _ in 0..<count {
            let connection = try RawConnection(port: proxy.port)
            connection.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try connection.readResponse().status, 200)
            held.append(connection)
        }
        return held
    }

    /// Fails with the end of the proxy's log when it has exited (a crash, or a debug build's reuse check).
    private func requireAlive(_ proxy: ProxyProcess) throws {
        guard !proxy.process.isRunning else { return }
        let log = proxy.log()
        let crash = log.range(of: "Fatal error").map { String(log[$0.lowerBound...].prefix(1500)) }
        throw TestError.io(
            "the proxy exited (status \(proxy.process.terminationStatus)): \(crash ?? String(log.suffix(1500)))")
    }

    private func waitUntilNoConnections(_ proxy: ProxyProcess) throws {
        let deadline = Date().addingTimeInterval(10)
        while try proxy.statusNumber(nil, "connections") != 0 && Date() < deadline { usleep(20_000) }
    }

    /// Every shape a connection can end in, round-robin over four threads: served by a backend, answered by the
    /// proxy itself (twice on one connection), a head larger than one chunk, closed before a byte, closed
    /// halfway through a head, and closed while its request is at the backend.
    private func churn(_ proxy: ProxyProcess, count: Int, tally: Tally) {
        let port = proxy.port
        let bigHeader = String(repeating: "v", count: 20_000)
        concurrently(4) { thread in
            var index = thread
            while index < count {
                defer { index += 4 }
                guard let connection = try? RawConnection(port: port) else {
                    tally.add("failed")
                    tally.note("connect failed at \(index)")
                    continue
                }
                do {
                    switch index % 10 {
                    case 0, 1:
                        connection.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
                        try Self.expect(200, connection.readResponse(), tally)
                    case 2:
                        connection.send("GET /x HTTP/1.1\r\nHost: t\r\nX-Big: \(bigHeader)\r\n\r\n")
                        try Self.expect(200, connection.readResponse(), tally)
                    case 3:
                        break
                    case 4:
                        connection.send("GET /x HTTP/1.1\r\nHost: t\r\nX-Half")
                    case 5:
                        connection.send("GET /sleep?ms=20 HTTP/1.1\r\nHost: t\r\n\r\n")
                    default:
                        for _ in 0..<2 {
                            connection.send("OPTIONS * HTTP/1.1\r\nHost: t\r\nMax-Forwards: 0\r\n\r\n")
                            try Self.expect(200, connection.readResponse(), tally)
                        }
                    }
                } catch {
                    tally.add("failed")
                    tally.note("\(index): \(error)")
                }
            }
        }
    }

    private static func expect(_ status: Int, _ response: TestResponse, _ tally: Tally) {
        if response.status == status {
            tally.add("ok")
        } else {
            tally.add("failed")
            tally.note("status \(response.status)")
        }
    }
}
