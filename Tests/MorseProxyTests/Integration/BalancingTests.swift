import Foundation
import MorseTestSupport
import XCTest

/// Acceptance 1: exact round-robin; a failing backend leaves rotation in time and comes back after `rise`.
final class BalancingTests: XCTestCase {
    func servedBy(_ proxy: ProxyProcess, count: Int) throws -> [String] {
        let connection = try RawConnection(port: proxy.port)
        var names: [String] = []
        for _ in 0..<count {
            connection.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200)
            names.append(response.header("X-Served-By") ?? "?")
        }
        return names
    }

    func testRoundRobinOrderIsExactOverTwoAndThreeBackends() throws {
        let backends = try ["a", "b", "c"].map { try BackendProcess($0) }
        for count in [2, 3] {
            let proxy = try ProxyProcess(backends: Array(backends.prefix(count)))
            // A first check that timed out on a loaded machine leaves its backend down for `rise` checks: the
            // order is what is measured here, over every backend.
            for backend in backends.prefix(count) {
                XCTAssertNotNil(try proxy.secondsUntil(backend.name, is: "up"), "\(backend.name) never came up")
            }
            let names = try servedBy(proxy, count: 30)
            let cycle = Array(names.prefix(count))
            XCTAssertEqual(Set(cycle).count, count, "first \(count) requests hit \(count) distinct backends")
            for (index, name) in names.enumerated() {
                XCTAssertEqual(name, cycle[index % count], "request \(index): \(names)")
            }
            print("round-robin over \(count): \(names.prefix(9).joined(separator: " ")) …")
        }
    }

    func testDownBackendLeavesWithinFallTimesIntervalPlusTimeoutAndReturnsAfterRise() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        // interval 200ms, timeout 100ms, fall 3, rise 2: out within 700ms, back within 2×200ms + 100ms.
        let proxy = try ProxyProcess(backends: [a, b], arguments: ["--fall", "3", "--rise", "2"])
        XCTAssertNotNil(try proxy.secondsUntil("b", is: "up"), "b never came up")

        XCTAssertEqual(try request(port: b.port, "POST", "/_ctl/unready").status, 200)
        let left = try XCTUnwrap(try proxy.secondsUntil("b", is: "down"), "b never went down")
        print("backend left rotation after \(Int(left * 1000)) ms (bound fall×interval+timeout = 700 ms)")
        XCTAssertLessThanOrEqual(left, 0.7 + 0.05)
        XCTAssertEqual(Set(try servedBy(proxy, count: 6)), ["a"])

        XCTAssertEqual(try request(port: b.port, "POST", "/_ctl/ready").status, 200)
        let back = try XCTUnwrap(try proxy.secondsUntil("b", is: "up"), "b never came back")
        print("backend returned after \(Int(back * 1000)) ms (rise 2 × 200 ms interval)")
        XCTAssertGreaterThanOrEqual(back, 0.2, "one passed check must not be enough with rise 2")
        XCTAssertLessThanOrEqual(back, 0.5 + 0.05)
        XCTAssertEqual(Set(try servedBy(proxy, count: 4)), ["a", "b"])
        // One line per change, with its reason and how long the old state lasted; none per failed check.
        let lines = proxy.log().split(separator: "\n").filter { $0.contains("backend b ") }
        print("log lines about b: \(lines.count)\n" + lines.joined(separator: "\n"))
        XCTAssertEqual(lines.filter { $0.contains("backend b is down (check failed: status 503") }.count, 1)
        XCTAssertEqual(lines.filter { $0.contains("backend b is up (check passed: status 200") }.count, 1)
        XCTAssertTrue(lines.contains { $0.contains("; it was up for ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("; it was down for ") }, "\(lines)")
        XCTAssertEqual(lines.count, 2, "one line per change")
    }
}
