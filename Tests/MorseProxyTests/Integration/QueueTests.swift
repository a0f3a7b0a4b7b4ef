import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `backend-max-connections` with its FIFO queue: requests beyond the limit wait, leave in arrival order, time
/// out with 503 and Retry-After, follow a drain to the backends left, and are answered before a SIGTERM exits.
final class QueueTests: XCTestCase {
    func testQueuedRequestsReachTheBackendInArrivalOrderAndTheLimitHolds() throws {
        let backend = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [backend], arguments: ["--backend-max-connections", "1"])
        let blocker = try sendEach(["/sleep?ms=600"], to: proxy)[0]
        usleep(100_000)
        // Six requests, 40 ms apart, each 50 ms at the backend: one at a time, they finish in the order they left
        // the queue.
        let queued = try sendEach((0..<6).map { "/sleep?ms=50&n=\($0)" }, to: proxy, apartMs: 40)
        let length = try proxy.statusNumber("queue", "length")
        let inFlight = try proxy.status()["b"]?["in_flight"] as? Int
        XCTAssertEqual(length, 6, "queue length while the backend is busy")
        XCTAssertEqual(inFlight, 1, "requests at the backend beyond backend-max-connections 1")
        XCTAssertEqual(try blocker.readResponse().status, 200)
        let finished = Tally()
        let order = OrderLog()
        nonisolated(unsafe) let connections = queued
        concurrently(connections.count) { index in
            if let response = try? connections[index].readResponse(), response.status == 200 {
                finished.add("ok")
                order.append(index)
            }
        }
        XCTAssertEqual(finished["ok"], 6)
        XCTAssertEqual(order.values, Array(0..<6), "queued requests left out of arrival order")
        XCTAssertEqual(try proxy.statusNumber("queue", "dequeued_total"), 6)
        XCTAssertGreaterThan(try proxy.statusNumber("queue", "max_wait_ms"), 300)
    }

    func testAQueuedRequestTimesOutWith503AndRetryAfter() throws {
        let backend = try BackendProcess("b")
        let proxy = try ProxyProcess(
            backends: [backend], arguments: ["--backend-max-connections", "1", "--backend-queue-timeout", "300ms"])
        let blocker = try sendEach(["/sleep?ms=1500"], to: proxy)[0]
        usleep(100_000)
        let waiting = try RawConnection(port: proxy.port)
        let start = Date()
        waiting.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try waiting.readResponse()
        let waited = Date().timeIntervalSince(start)
        print(
            "queued request answered \(response.status) after \(waited) s, Retry-After \(response.header("Retry-After") ?? "none")"
        )
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.header("Retry-After"), "1")
        XCTAssertGreaterThanOrEqual(waited, 0.28)
        XCTAssertLessThan(waited, 1.2)
        // The connection stays usable, and the blocker was not disturbed.
        XCTAssertEqual(try blocker.readResponse().status, 200)
        waiting.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try waiting.readResponse().status, 200)
        XCTAssertEqual(try proxy.statusNumber("queue", "timeouts_total"), 1)
        let metrics = try proxy.admin("GET", "/metrics").text
        XCTAssertTrue(metrics.contains("morse_proxy_queue_timeouts_total 1"), metrics)
        XCTAssertTrue(metrics.contains("morse_proxy_queue_length 0"), metrics)
    }

    func testADrainSendsTheQueueToTheBackendsLeftAndSigtermAnswersTheQueueBeforeExit() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [a, b], arguments: ["--backend-max-connections", "1"])
        let blockers = try sendEach(Array(repeating: "/sleep?ms=500", count: 2), to: proxy)
        usleep(100_000)
        let queued = try sendEach(Array(repeating: "/sleep?ms=20", count: 4), to: proxy)
        usleep(100_000)
        XCTAssertEqual(try proxy.statusNumber("queue", "length"), 4)
        XCTAssertEqual(try proxy.admin("POST", "/backends/b/drain").status, 200)
        // SIGTERM with four requests queued and two at the backends: every one is answered before the exit.
        proxy.signal(SIGTERM)
        let servedBy = Tally()
        nonisolated(unsafe) let connections = blockers + queued
        concurrently(connections.count) { index in
            if let response = try? connections[index].readResponse() {
                servedBy.add("\(response.status) \(response.header("X-Served-By") ?? "?")")
            }
        }
        print("answers: \(servedBy.all)")
        XCTAssertEqual(servedBy["200 a"], 5, "the queue went to a, the backend left: \(servedBy.all)")
        XCTAssertEqual(servedBy["200 b"], 1, "b finishes the request it had: \(servedBy.all)")
        XCTAssertEqual(proxy.waitForExit(seconds: 5), 0)
    }
}

/// One GET per path, each on a connection of its own, `apartMs` apart; the responses are left to read.
private func sendEach(_ paths: [String], to proxy: ProxyProcess, apartMs: Int = 0) throws -> [RawConnection] {
    try paths.map { path in
        let connection = try RawConnection(port: proxy.port)
        connection.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n")
        if apartMs > 0 { usleep(UInt32(apartMs * 1000)) }
        return connection
    }
}

/// Indexes in the order threads appended them.
final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ value: Int) {
        lock.lock()
        list.append(value)
        lock.unlock()
    }
    var values: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}
