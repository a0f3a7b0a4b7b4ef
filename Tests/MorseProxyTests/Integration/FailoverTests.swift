import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Acceptance 2 and 3: a SIGKILLed backend is invisible to clients; drain takes a backend out cleanly.
final class FailoverTests: XCTestCase {
    func testSigkillOfABackendDuringTwoThousandRequestsFailsNone() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [a, b])
        let tally = Tally()
        let total = 2000
        let workers = 8
        let victim = b
        concurrently(workers) { worker in
            var connection: RawConnection?
            for index in 0..<(total / workers) {
                if worker == 0 && index == (total / workers) / 3 {
                    victim.kill(SIGKILL)
                    tally.add("killed")
                }
                tallyGet("/?i=\(index)", port: proxy.port, over: &connection, into: tally)
            }
        }
        let afterKill = try proxy.status()["b"]!
        print(
            "SIGKILL test: \(tally.all) \(tally.firstNotes); b failures \(afterKill["failures"]!), "
                + "retries \(afterKill["retries"]!), state \(afterKill["state"]!)")
        XCTAssertEqual(tally["killed"], 1)
        XCTAssertEqual(tally["ok"], total)
        XCTAssertEqual(tally["failed"], 0, "\(tally.firstNotes)")
        XCTAssertGreaterThan(tally["by-b"], 0)
        XCTAssertEqual(try proxy.status()["b"]?["state"] as? String, "down")
    }

    func testDrainSendsNoNewRequestsLetsInFlightFinishAndShowsInStatus() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [a, b])
        // Two slow requests: one lands on each backend.
        let slow = Tally()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                if let response = try? request(port: proxy.port, "/sleep?ms=1500"), response.status == 200 {
                    slow.add("ok-" + (response.header("X-Served-By") ?? "?"))
                }
                group.leave()
            }
        }
        usleep(300_000)
        XCTAssertEqual(try proxy.status()["b"]?["in_flight"] as? Int, 1)
        let drained = try proxy.admin("POST", "/backends/b/drain")
        XCTAssertEqual(drained.status, 200, drained.text)
        let status = try proxy.status()["b"]!
        print("after drain: \(status)")
        XCTAssertEqual(status["state"] as? String, "draining")
        XCTAssertEqual(status["in_flight"] as? Int, 1)
        let before = Int(try request(port: b.port, "/_ctl/count").text)!
        var names: [String] = []
        for _ in 0..<20 { names.append(try request(port: proxy.port, "/").header("X-Served-By") ?? "?") }
        XCTAssertEqual(Set(names), ["a"], "no new request may reach the drained backend")
        XCTAssertEqual(Int(try request(port: b.port, "/_ctl/count").text)!, before)
        group.wait()
        XCTAssertEqual(slow["ok-b"], 1, "the in-flight request on the drained backend completed")
        XCTAssertEqual(slow["ok-a"], 1)
        XCTAssertEqual(try proxy.status()["b"]?["in_flight"] as? Int, 0)
        XCTAssertEqual(try proxy.admin("POST", "/backends/b/enable").status, 200)
        XCTAssertEqual(try proxy.status()["b"]?["state"] as? String, "up")
        XCTAssertTrue(proxy.log().contains("backend b state up -> draining"))
    }
}
