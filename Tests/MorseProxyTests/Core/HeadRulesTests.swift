import XCTest

@testable import MorseProxy

/// Builds spans over a byte array the way the parser callbacks would.
private func withHead(
    _ headers: [(String, String)], _ body: (UnsafeRawPointer, UnsafeMutablePointer<HeaderSpan>, Int) -> Void
) {
    var bytes: [UInt8] = []
    var spans: [HeaderSpan] = []
    for (name, value) in headers {
        let nameStart = Int32(bytes.count)
        bytes += Array(name.utf8)
        let valueStart = Int32(bytes.count)
        bytes += Array(value.utf8)
        spans.append(
            HeaderSpan(
                nameStart: nameStart, nameLength: Int32(name.utf8.count), valueStart: valueStart,
                valueLength: Int32(value.utf8.count)))
    }
    bytes.append(0)
    bytes.withUnsafeBytes { raw in
        spans.withUnsafeMutableBufferPointer { buffer in
            body(raw.baseAddress!, buffer.baseAddress!, buffer.count)
        }
    }
}

final class HeadRulesTests: XCTestCase {
    func check(_ headers: [(String, String)], http10: Bool = false) -> (HeadRules.Verdict, [HeaderKind]) {
        var result = (HeadRules.Verdict(), [HeaderKind]())
        withHead(headers) { base, spans, count in
            let verdict = HeadRules.checkRequest(base: base, spans: spans, count: count, isHTTP10: http10)
            result = (verdict, (0..<count).map { spans[$0].kind })
        }
        return result
    }

    func testSmugglingShapesAreRejected() {
        XCTAssertEqual(check([("Host", "a"), ("Content-Length", "3"), ("Transfer-Encoding", "chunked")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Content-Length", "3"), ("Content-Length", "4")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Content-Length", "3"), ("Content-Length", "3")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Content-Length", "3, 3")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Content-Length", "+3")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Content-Length", "0x10")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Transfer-Encoding", "chunked, gzip")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("Transfer-Encoding", "gzip")]).0.status, 501)
        XCTAssertEqual(check([("Host", "a"), ("Transfer-Encoding", "chunked")], http10: true).0.status, 400)
        XCTAssertEqual(
            check([("Host", "a"), ("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")]).0.status, 400)
    }

    func testIdempotencyKeyIsForwardedAndMakesARequestRetryable() {
        let (verdict, kinds) = check([("Host", "a"), ("Idempotency-Key", "k-1"), ("X-Other", "1")])
        XCTAssertEqual(verdict.status, 0)
        XCTAssertTrue(verdict.hasIdempotencyKey)
        XCTAssertEqual(kinds, [.host, .idempotencyKey, .forward])
        XCTAssertFalse(check([("Host", "a"), ("Idempotency-Key", "")]).0.hasIdempotencyKey)
        XCTAssertFalse(check([("Host", "a"), ("X-Forwarded-For", "1.2.3.4")]).0.hasIdempotencyKey)
    }

    func testHostRules() {
        XCTAssertEqual(check([]).0.status, 400)
        XCTAssertEqual(check([], http10: true).0.status, 0)
        XCTAssertEqual(check([("Host", "a"), ("Host", "b")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a b")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a@b")]).0.status, 400)
    }

    func testInvalidNamesAndValues() {
        XCTAssertEqual(check([("Host", "a"), ("Bad Name", "x")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("X", "a\rb")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("X", "a\u{0}b")]).0.status, 400)
        XCTAssertEqual(check([("Host", "a"), ("X", "caf\u{e9}")]).0.status, 0)
    }

    func testHopByHopIncludingHeadersNamedInConnection() {
        let (verdict, kinds) = check([
            ("Host", "a"), ("Connection", "keep-alive, X-Secret"), ("X-Secret", "1"), ("Keep-Alive", "5"),
            ("TE", "trailers"), ("Upgrade", "h2c"), ("Proxy-Connection", "x"), ("X-Other", "2"),
        ])
        XCTAssertEqual(verdict.status, 0)
        XCTAssertEqual(kinds, [.host, .drop, .drop, .drop, .drop, .drop, .drop, .forward])
        XCTAssertEqual(check([("Host", "a"), ("Connection", "Content-Length"), ("Content-Length", "1")]).0.status, 400)
    }

    func testRewrittenRequestHead() {
        withHead([("Host", "h"), ("Connection", "X-S"), ("X-S", "1"), ("X-Forwarded-For", "1.1.1.1")]) {
            base, spans, count in
            let verdict = HeadRules.checkRequest(base: base, spans: spans, count: count, isHTTP10: false)
            var out = ByteBuffer(capacity: 1024)
            defer { out.deallocate() }
            let client = Array("10.0.0.1".utf8)
            let id = Array("abc".utf8)
            let method = Array("GET".utf8)
            let target = Array("/x".utf8)
            client.withUnsafeBytes { clientBytes in
                id.withUnsafeBytes { idBytes in
                    method.withUnsafeBytes { methodBytes in
                        target.withUnsafeBytes { targetBytes in
                            let additions = HeadWriter.RequestAdditions(
                                clientAddress: clientBytes, requestID: idBytes, generatedRequestID: true)
                            XCTAssertTrue(
                                HeadWriter.writeRequest(
                                    into: &out, method: methodBytes, target: targetBytes, base: base, spans: spans,
                                    count: count, verdict: verdict, additions: additions))
                        }
                    }
                }
            }
            XCTAssertEqual(
                out.string(0, out.readable),
                "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1, 10.0.0.1\r\nX-Forwarded-Proto: http\r\n"
                    + "X-Request-ID: abc\r\nVia: 1.1 morse-proxy\r\n\r\n")
        }
    }

    func testResponseRules() {
        withHead([("Content-Length", "1"), ("Transfer-Encoding", "chunked")]) { base, spans, count in
            XCTAssertEqual(HeadRules.checkResponse(base: base, spans: spans, count: count).status, 502)
        }
        withHead([("Connection", "X-Resp"), ("X-Resp", "1"), ("X-Served-By", "w1")]) { base, spans, count in
            XCTAssertEqual(HeadRules.checkResponse(base: base, spans: spans, count: count).status, 0)
            XCTAssertEqual((0..<count).map { spans[$0].kind }, [.drop, .drop, .forward])
        }
    }
}
