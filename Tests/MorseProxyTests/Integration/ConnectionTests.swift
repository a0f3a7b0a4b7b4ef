import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Connection handling: pipelining, HTTP/1.0 keep-alive, half-close, the connection cap, pooled reuse.
final class ConnectionTests: XCTestCase {
    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        let connection = try RawConnection(port: proxy.port)
        connection.send(
            "GET /echo?n=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /echo?n=3 HTTP/1.1\r\nHost: t\r\n\r\n")
        for index in 1...3 {
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertTrue(response.text.contains("/echo?n=\(index)"), response.text)
        }
    }

    func testHTTP10KeepAliveAndHalfClose() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        let old = try RawConnection(port: proxy.port)
        old.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try old.readResponse()
        XCTAssertEqual(first.header("Connection"), "keep-alive")
        old.send("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try old.readResponse().status, 200)
        XCTAssertTrue(old.isClosedByPeer(), "HTTP/1.0 without keep-alive closes")

        // A client that half-closes after its request still gets the answer.
        let half = try RawConnection(port: proxy.port)
        half.send("GET /sleep?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n")
        shutdown(half.fd, Int32(SHUT_WR))
        let response = try half.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Connection"), "close")
    }

    func testConnectionCapPausesAcceptInsteadOfFailing() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(
            backends: [a], arguments: ["--max-connections", "2", "--client-idle-timeout", "1s"])
        let first = try RawConnection(port: proxy.port)
        let second = try RawConnection(port: proxy.port)
        first.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        second.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try first.readResponse().status, 200)
        XCTAssertEqual(try second.readResponse().status, 200)
        // The third connection completes in the kernel backlog but is not served until a slot frees.
        let third = try RawConnection(port: proxy.port, timeoutSeconds: 5)
        third.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let start = Date()
        let response = try third.readResponse()
        let waited = Date().timeIntervalSince(start)
        print("third connection served after \(Int(waited * 1000)) ms (idle timeout 1s freed a slot)")
        XCTAssertEqual(response.status, 200)
        XCTAssertGreaterThan(waited, 0.5)
        let cpu = try String(contentsOfFile: "/proc/\(proxy.pid)/stat", encoding: .utf8).split(separator: " ")
        let ticks = Int(cpu[13])! + Int(cpu[14])!
        XCTAssertLessThan(ticks, 100, "no busy loop while accept is paused")
    }

    func testUpstreamConnectionsArePooled() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        for _ in 0..<50 { XCTAssertEqual(try request(port: proxy.port, "/").status, 200) }
        let status = try proxy.status()["a"]!
        XCTAssertEqual(status["idle_connections"] as? Int, 1, "50 sequential requests reused one connection")
    }
}
