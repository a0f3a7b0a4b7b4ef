import Foundation
import MorseTestSupport
import XCTest

/// Acceptance 4 and 5: hop-by-hop headers both ways, smuggling shapes, and every error status.
final class HTTPRulesTests: XCTestCase {
    func testHopByHopHeadersNamedInConnectionAreStrippedBothWays() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        let echoed = try request(
            port: proxy.port, "/echo", headers: [("Connection", "X-Secret"), ("X-Secret", "1"), ("X-Kept", "k")])
        XCTAssertEqual(echoed.status, 200)
        let seen = try JSONSerialization.jsonObject(with: Data(echoed.body)) as! [String: Any]
        let names = (seen["headers"] as! [[String]]).map { $0[0].lowercased() }
        print("backend saw: \(names)")
        XCTAssertFalse(names.contains("x-secret"))
        XCTAssertFalse(names.contains("connection"))
        XCTAssertTrue(names.contains("x-kept"))
        XCTAssertTrue(names.contains("x-forwarded-for"))
        XCTAssertTrue(names.contains("x-forwarded-proto"))
        // X-Request-ID generated, sent to the backend and returned to the client.
        let sentID = (seen["headers"] as! [[String]]).first { $0[0].lowercased() == "x-request-id" }?[1]
        XCTAssertNotNil(sentID)
        XCTAssertEqual(echoed.header("X-Request-ID"), sentID)

        let response = try request(port: proxy.port, "/hop")
        print("client saw: \(response.headers.map(\.0))")
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.header("X-Resp-Secret"))
        XCTAssertNil(response.header("Keep-Alive"))
        XCTAssertEqual(response.header("X-Kept"), "yes")
        XCTAssertEqual(response.header("X-Served-By"), "a", "X-Served-By passes through untouched")

        let given = try request(port: proxy.port, "/", headers: [("X-Request-ID", "client-id-1")])
        XCTAssertEqual(given.header("X-Request-ID"), "client-id-1")
    }

    func raw(_ port: UInt16, _ text: String) throws -> TestResponse {
        let connection = try RawConnection(port: port)
        connection.send(text)
        return try connection.readResponse()
    }

    func testSmugglingShapesAreRejectedWith400() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        let shapes = [
            "CL+TE": "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "TE+CL": "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            "CL.CL": "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "CL invalid": "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3x\r\n\r\nabc",
            "CL negative": "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
            "CL list": "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc",
            "TE not final": "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            "obs-fold": "GET / HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n",
            "no Host": "GET / HTTP/1.1\r\n\r\n",
            "two Hosts": "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "space before colon": "GET / HTTP/1.1\r\nHost : t\r\n\r\n",
        ]
        for (name, text) in shapes.sorted(by: { $0.key < $1.key }) {
            let response = try raw(proxy.port, text)
            print("\(name): \(response.status)")
            XCTAssertEqual(response.status, 400, "\(name): \(response.text)")
            XCTAssertEqual(response.header("Connection"), "close")
        }
        XCTAssertEqual(Int(try request(port: a.port, "/_ctl/count").text), 0, "nothing reached the backend")
    }

    func testLimitsAndTimeoutsProduce431_413_408() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a], arguments: ["--client-header-timeout", "500ms"])
        let big = try raw(
            proxy.port, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "x", count: 20_000))\r\n\r\n")
        XCTAssertEqual(big.status, 431)
        var many = "GET / HTTP/1.1\r\nHost: t\r\n"
        for index in 0..<150 { many += "X-H\(index): v\r\n" }
        XCTAssertEqual(try raw(proxy.port, many + "\r\n").status, 431)
        let body = try raw(proxy.port, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n")
        XCTAssertEqual(body.status, 413)
        var chunked = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        chunked += "100000\r\n" + String(repeating: "y", count: 0x100000) + "\r\n1\r\nz\r\n0\r\n\r\n"
        XCTAssertEqual(try raw(proxy.port, chunked).status, 413)

        // Slowloris: a head trickled byte by byte never completes; the proxy answers 408 and closes.
        let slow = try RawConnection(port: proxy.port)
        let start = Date()
        for byte in Array("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ".utf8) {
            slow.send([byte])
            usleep(30_000)
            if Date().timeIntervalSince(start) > 0.8 { break }
        }
        let timedOut = try slow.readResponse()
        print("slowloris answered \(timedOut.status) after \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        XCTAssertEqual(timedOut.status, 408)
        XCTAssertTrue(slow.isClosedByPeer())
        XCTAssertEqual(try request(port: proxy.port, "/").status, 200, "still serving after all that")
    }

    func testABodyTrickledBelowTheMinimumRateGets408() throws {
        let a = try BackendProcess("a")
        func proxyWithBodyRate(_ minRate: Int) throws -> ProxyProcess {
            try ProxyProcess(
                backends: [a],
                arguments: [
                    "--client-body-timeout", "1s", "--client-body-min-rate", "\(minRate)",
                    "--backend-response-timeout", "500ms",
                ])
        }
        let proxy = try proxyWithBodyRate(100)
        // One byte per 200 ms never trips the 1 s silence limit, but averages 5 bytes/s against a floor of 100:
        // the body's time runs out near 1 s + 10 ms per byte received. The backend, waiting for the body, is
        // silent all along: that is the client's delay, so 408, not a 504 at the backend's 500 ms.
        let slow = try RawConnection(port: proxy.port)
        slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n")
        let start = Date()
        var sent = 0
        while sent < 40, Date().timeIntervalSince(start) < 8 {
            guard slow.send([UInt8(ascii: "x")]) else { break }
            sent += 1
            usleep(200_000)
            if slow.hasDataWaiting() { break }
        }
        let answer = try slow.readResponse()
        let elapsed = Date().timeIntervalSince(start)
        print("trickled body answered \(answer.status) after \(Int(elapsed * 1000)) ms, \(sent) bytes sent")
        XCTAssertEqual(answer.status, 408)
        XCTAssertLessThan(elapsed, 3, "the floor, not the 8 s loop bound, ended the request")
        XCTAssertTrue(slow.isClosedByPeer())

        // The same trickle without a floor is only bounded by silence: it gets through, though it takes longer
        // than the backend response timeout (the backend's silence counts from the last byte sent to it).
        let patient = try proxyWithBodyRate(0)
        let steady = try RawConnection(port: patient.port)
        steady.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n")
        for _ in 0..<5 {
            usleep(700_000)  // longer than the backend response timeout, shorter than the body timeout
            steady.send([UInt8(ascii: "y")])
        }
        let done = try steady.readResponse()
        XCTAssertEqual(done.status, 200, done.text)
        XCTAssertTrue(done.text.contains("\"body_length\": 5"), done.text)
    }

    func testBackendErrorsProduce502_503_504() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [a, b], arguments: ["--backend-response-timeout", "300ms"])
        let closed = try request(port: proxy.port, "POST", "/close", body: "x")
        XCTAssertEqual(closed.status, 502, closed.text)
        print("502: \(closed.text)")
        let slow = try request(port: proxy.port, "/sleep?ms=1000")
        XCTAssertEqual(slow.status, 504, slow.text)
        print("504: \(slow.text)")
        XCTAssertEqual(try proxy.admin("POST", "/backends/a/maint").status, 200)
        XCTAssertEqual(try proxy.admin("POST", "/backends/b/maint").status, 200)
        let none = try request(port: proxy.port, "/")
        XCTAssertEqual(none.status, 503, none.text)
        print("503: \(none.text)")
        XCTAssertNotNil(none.header("X-Request-ID"))
        XCTAssertEqual(try proxy.admin("POST", "/backends/a/enable").status, 200)
        XCTAssertEqual(try request(port: proxy.port, "/").status, 200)
        // Both backends gone: connect refused everywhere -> 502 after retries.
        a.kill()
        b.kill()
        XCTAssertEqual(try request(port: proxy.port, "/").status, 502)
    }

    /// A POST whose backend closes before answering is resent only when it carries an Idempotency-Key.
    func testPostWithIdempotencyKeyIsRetriedAndWithoutIsNot() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [a, b])
        // Round-robin sends one of each pair to a, which drops it after reading it.
        let keyed = try (0..<2).map { attempt in
            try request(
                port: proxy.port, "POST", "/close?only=a", headers: [("Idempotency-Key", "key-\(attempt)")], body: "x")
        }
        XCTAssertEqual(keyed.map(\.status), [200, 200], keyed.map(\.text).joined(separator: " | "))
        XCTAssertTrue(keyed.allSatisfy { $0.text.contains("hello from b") })
        let plain = try (0..<2).map { _ in try request(port: proxy.port, "POST", "/close?only=a", body: "x") }
        XCTAssertEqual(plain.map(\.status).sorted(), [200, 502], plain.map(\.text).joined(separator: " | "))
    }

    func testOtherMethodsChunkedBodiesAndHTTP10() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        for method in ["PUT", "DELETE", "PATCH", "OPTIONS"] {
            let response = try request(port: proxy.port, method, "/echo", body: method == "DELETE" ? "" : "abc")
            XCTAssertEqual(response.status, 200, method)
            XCTAssertTrue(response.text.contains("\"method\": \"\(method)\""), response.text)
        }
        XCTAssertEqual(try request(port: proxy.port, "HEAD", "/").status, 200)
        let chunkedUp = try raw(
            proxy.port,
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        XCTAssertTrue(chunkedUp.text.contains("\"body_length\": 5"), chunkedUp.text)
        let chunkedDown = try request(port: proxy.port, "/chunked")
        XCTAssertEqual(chunkedDown.text, "hello chunked world")
        // An HTTP/1.0 client gets the chunked response de-chunked and close-delimited.
        let old = try raw(proxy.port, "GET /chunked HTTP/1.0\r\n\r\n")
        XCTAssertNil(old.header("Transfer-Encoding"))
        XCTAssertEqual(old.text, "hello chunked world")
        // absolute-form: Host comes from the target.
        let absolute = try raw(proxy.port, "GET http://example.test:81/echo?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        XCTAssertTrue(absolute.text.contains("example.test:81"), absolute.text)
        XCTAssertTrue(absolute.text.contains("\"path\": \"/echo?q=1\""), absolute.text)
        // HTTP/1.0 may omit Host; the request goes upstream as HTTP/1.1, which may not, so the proxy names itself.
        let hostless = try raw(proxy.port, "GET /echo HTTP/1.0\r\n\r\n")
        XCTAssertEqual(hostless.status, 200, hostless.text)
        let seen = try JSONSerialization.jsonObject(with: Data(hostless.body)) as! [String: Any]
        let hosts = (seen["headers"] as! [[String]]).filter { $0[0].lowercased() == "host" }.map { $0[1] }
        XCTAssertEqual(hosts, ["127.0.0.1:\(proxy.port)"])
    }
}

extension HTTPRulesTests {
    /// A keep-alive request the proxy answers itself (Max-Forwards: 0) must leave the connection ready for the
    /// next: the proxy used to answer the same buffered request again and again until its stack overflowed.
    func testAKeepAliveRequestAnsweredByTheProxyLeavesTheConnectionUsable() throws {
        let backend = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [backend])
        let connection = try RawConnection(port: proxy.port)
        for _ in 0..<3 {
            connection.send("OPTIONS * HTTP/1.1\r\nHost: t\r\nMax-Forwards: 0\r\n\r\n")
            let answer = try connection.readResponse()
            XCTAssertEqual(answer.status, 200)
            XCTAssertNil(answer.header("X-Served-By"), "Max-Forwards: 0 went to the backend")
        }
        connection.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().header("X-Served-By"), "b")
        // With a body it cannot stay (the body is not read): answered, then closed.
        connection.send("OPTIONS * HTTP/1.1\r\nHost: t\r\nMax-Forwards: 0\r\nContent-Length: 3\r\n\r\nabc")
        let withBody = try connection.readResponse()
        XCTAssertEqual(withBody.status, 200)
        XCTAssertEqual(withBody.header("Connection"), "close")
        XCTAssertTrue(proxy.process.isRunning)
    }
}
