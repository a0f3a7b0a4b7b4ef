import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Quiescing (SIGTERM uses it): no accept, each keep-alive client's next response says `Connection: close`, idle
/// connections close only once idle for the grace, and the proxy exits when the last connection is gone. The
/// hard case is the idle-close race: a client sending its next request just as the proxy closes the connection.
final class QuiesceTests: XCTestCase {
    func testNoRequestIsLostToTheIdleCloseRaceWhenTheProxyStops() throws {
        let result = try stopUnderKeepAliveLoad(idleGraceMs: 500)
        print("quiesce with a 500 ms idle grace: \(result.tally.all), exit \(String(describing: result.exit))")
        XCTAssertEqual(result.tally["lost"], 0, "requests sent and never answered: \(result.tally.firstNotes)")
        XCTAssertEqual(result.tally["still-open"], 0, "connections the proxy neither told nor closed")
        XCTAssertGreaterThan(result.tally["told-close"], 0, "no response said Connection: close")
        XCTAssertGreaterThan(result.tally["closed-while-idle"], 0, "no slow client was closed while idle")
        XCTAssertEqual(result.exit, 0)
        XCTAssertTrue(result.log.contains("quiesced: the last client connection closed"), result.log)
    }

    /// Sixteen keep-alive clients with think times from 0 to 800 ms between requests, as a pooled HTTP client
    /// behaves: before reusing its connection each looks whether the proxy closed it (and then stops: the
    /// listener is gone); a request that was sent and got no response is lost. SIGTERM comes after a second.
    private func stopUnderKeepAliveLoad(idleGraceMs: Int) throws -> (tally: Tally, exit: Int32?, log: String) {
        let backend = try BackendProcess("b")
        let proxy = try ProxyProcess(
            backends: [backend], arguments: ["--quiesce-idle-grace", "\(idleGraceMs)ms", "--grace-period", "10s"])
        let thinkMs = [0, 0, 0, 0, 1, 2, 5, 10, 20, 50, 100, 200, 300, 450, 650, 800]
        let tally = Tally()
        let port = proxy.port
        let stopAt = Date().addingTimeInterval(1.0)
        let group = DispatchGroup()
        for client in 0..<thinkMs.count {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let connection = try? RawConnection(port: port) else {
                    tally.add("connect-failed")
                    return
                }
                let giveUp = Date().addingTimeInterval(15)
                var sent = 0
                while Date() < giveUp {
                    if connection.hasDataWaiting() {
                        tally.add(sent > 0 ? "closed-while-idle" : "closed-before-use")
                        return
                    }
                    connection.send("GET /x?client=\(client) HTTP/1.1\r\nHost: t\r\n\r\n")
                    sent += 1
                    guard let response = try? connection.readResponse() else {
                        tally.add("lost")
                        tally.note("client \(client) (think \(thinkMs[client]) ms): request \(sent) got no response")
                        return
                    }
                    tally.add(response.status == 200 ? "ok" : "status-\(response.status)")
                    if response.header("Connection") == "close" {
                        tally.add("told-close")
                        return
                    }
                    if thinkMs[client] > 0 { usleep(UInt32(thinkMs[client] * 1000)) }
                }
                tally.add("still-open")
            }
        }
        Thread.sleep(until: stopAt)
        proxy.signal(SIGTERM)
        group.wait()
        return (tally, proxy.waitForExit(seconds: 5), proxy.log())
    }
}
