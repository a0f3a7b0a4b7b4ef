import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Acceptance 6: a 100 MiB response to a slow reader does not grow the proxy's memory.
final class StreamingTests: XCTestCase {
    func testHundredMebibyteResponseToASlowReaderKeepsRSSFlat() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a])
        XCTAssertEqual(try request(port: proxy.port, "/").status, 200)
        let baseline = proxy.rssKiB()
        let connection = try RawConnection(port: proxy.port, receiveBuffer: 65536, timeoutSeconds: 30)
        connection.send("GET /big?mib=100 HTTP/1.1\r\nHost: t\r\n\r\n")
        var received = 0
        var peak = baseline
        let start = Date()
        var reads = 0
        while true {
            let chunk = connection.receive(maximum: 64 * 1024)
            if chunk.isEmpty { break }
            received += chunk.count
            reads += 1
            // Slow reader: at most 64 KiB per 2 ms (~30 MB/s), far slower than loopback, so the proxy must
            // apply backpressure or buffer the difference.
            usleep(2_000)
            if reads % 64 == 0 { peak = max(peak, proxy.rssKiB()) }
            if received >= 100 << 20 + 100 { break }
            if Date().timeIntervalSince(start) > 60 { break }
        }
        peak = max(peak, proxy.rssKiB())
        let growth = peak - baseline
        print(
            "100 MiB via slow reader: received \(received) bytes in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; RSS \(baseline) KiB -> peak \(peak) KiB (growth \(growth) KiB)"
        )
        XCTAssertGreaterThan(received, 100 << 20)
        XCTAssertLessThan(growth, 16 * 1024)
    }
}
