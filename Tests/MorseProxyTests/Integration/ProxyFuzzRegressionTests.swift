import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Every request the proxy fuzzer ever failed on (Tests/Fuzz/Regressions/proxy), sent to a real proxy over a real
/// socket: each gets a well-formed answer or a close, never a hang, and the proxy serves a normal request after it.
final class ProxyFuzzRegressionTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/Regressions/proxy").standardized

    func testEveryProxyRegressionInputIsAnsweredAndTheProxyStaysUp() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).sorted()
        XCTAssertFalse(names.isEmpty, "no regression inputs in \(Self.folder.path)")
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        for name in names {
            let bytes = Array(try Data(contentsOf: Self.folder.appendingPathComponent(name)))
            let connection = try RawConnection(port: proxy.port, timeoutSeconds: 5)
            connection.send(bytes)
            // A first response, if any, must parse; a close without one is an acceptable refusal.
            let status = (try? connection.readResponse())?.status
            print("fuzz regression \(name): \(status.map(String.init) ?? "closed")")
            if let status { XCTAssertTrue((200..<600).contains(status), "\(name): status \(status)") }
            XCTAssertEqual(try request(port: proxy.port, "/").status, 200, "\(name): proxy still serving")
        }
    }

    /// The one the fuzzer found: `Transfer-Encoding: chunked<HTAB>`. The proxy and the backend must agree on the
    /// framing, so the proxy either refuses the request or forwards exactly the 5-byte chunked body.
    func testTransferEncodingWithTrailingTabIsFramedOnceOrRefused() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        let head = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n"
        let connection = try RawConnection(port: proxy.port, timeoutSeconds: 5)
        connection.send(head + "5\r\n... -\r\n0\r\n\r\n")
        let response = try connection.readResponse()
        print("TE with trailing tab: \(response.status) \(response.text.prefix(200))")
        if response.status == 200 {
            XCTAssertTrue(response.text.contains("\"body_length\": 5"), response.text)
        } else {
            XCTAssertEqual(response.status, 400)
        }
    }
}
