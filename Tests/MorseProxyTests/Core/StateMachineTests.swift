import XCTest

@testable import MorseProxy

final class StateMachineTests: XCTestCase {
    func testRoundRobinIsExactAndSkipsIneligible() {
        var robin = RoundRobin()
        XCTAssertEqual((0..<6).map { _ in robin.next(count: 3) { _ in true }! }, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual((0..<4).map { _ in robin.next(count: 3) { $0 != 1 }! }, [0, 2, 0, 2])
        XCTAssertNil(robin.next(count: 3) { _ in false })
        XCTAssertNil(robin.next(count: 0) { _ in true })
    }

    func testHealthFirstCheckDecidesThenRiseAndFall() {
        var machine = HealthMachine(rise: 2, fall: 3, initiallyUp: false)
        XCTAssertEqual(machine.checkSucceeded(), .wentUp)
        XCTAssertEqual(machine.checkFailed(), .none)
        XCTAssertEqual(machine.checkFailed(), .none)
        XCTAssertEqual(machine.checkFailed(), .wentDown)
        XCTAssertEqual(machine.checkSucceeded(), .none)
        XCTAssertEqual(machine.checkSucceeded(), .wentUp)

        var failing = HealthMachine(rise: 2, fall: 3, initiallyUp: true)
        XCTAssertEqual(failing.checkFailed(), .wentDown, "the first check decides at once")
    }

    /// After a binary upgrade the new process starts from the old one's states: its first failed check is one of
    /// `fall`, not the verdict (a busy machine's first timeout would otherwise take every backend down at once).
    func testACarriedOverStateKeepsRiseAndFall() {
        var up = HealthMachine(rise: 2, fall: 2, carriedOver: true)
        XCTAssertEqual(up.checkFailed(), .none)
        XCTAssertTrue(up.isUp)
        XCTAssertEqual(up.checkFailed(), .wentDown)
        var down = HealthMachine(rise: 2, fall: 2, carriedOver: false)
        XCTAssertEqual(down.checkSucceeded(), .none)
        XCTAssertEqual(down.checkSucceeded(), .wentUp)
    }

    func testPassiveFailuresCountTowardFallAndSuccessResets() {
        var machine = HealthMachine(rise: 2, fall: 2, initiallyUp: true)
        _ = machine.checkSucceeded()
        XCTAssertEqual(machine.passiveFailure(), .none)
        machine.passiveSuccess()
        XCTAssertEqual(machine.passiveFailure(), .none)
        XCTAssertEqual(machine.passiveFailure(), .wentDown)
        XCTAssertEqual(machine.passiveFailure(), .none)
    }

    /// A backend whose checks fail (its /readyz says 503 while it drains or lost its database) but whose live
    /// requests still succeed must leave rotation after `fall` checks: the successes must not reset the checks.
    func testLiveSuccessesDoNotHideFailingChecks() {
        var machine = HealthMachine(rise: 2, fall: 2, initiallyUp: true)
        _ = machine.checkSucceeded()
        XCTAssertEqual(machine.checkFailed(), .none)
        machine.passiveSuccess()
        XCTAssertEqual(machine.checkFailed(), .wentDown, "two failed checks in a row, whatever traffic did between")
    }

    func testRetryPolicy() {
        let policy = RetryPolicy(retries: 2)
        XCTAssertTrue(
            policy.shouldRetry(
                after: .connectFailed, attempt: 1, idempotent: false, replayable: true, responseStarted: false))
        XCTAssertTrue(
            policy.shouldRetry(
                after: .nothingSent, attempt: 2, idempotent: false, replayable: true, responseStarted: false))
        XCTAssertFalse(
            policy.shouldRetry(
                after: .connectFailed, attempt: 3, idempotent: true, replayable: true, responseStarted: false))
        XCTAssertTrue(
            policy.shouldRetry(
                after: .closedBeforeResponse(reusedConnection: true), attempt: 1, idempotent: true, replayable: true,
                responseStarted: false))
        XCTAssertFalse(
            policy.shouldRetry(
                after: .closedBeforeResponse(reusedConnection: true), attempt: 1, idempotent: false, replayable: true,
                responseStarted: false), "a POST that reached a backend is never resent")
        XCTAssertFalse(
            policy.shouldRetry(
                after: .connectFailed, attempt: 1, idempotent: true, replayable: false, responseStarted: false))
        XCTAssertFalse(
            policy.shouldRetry(
                after: .connectFailed, attempt: 1, idempotent: true, replayable: true, responseStarted: true))
        XCTAssertFalse(
            policy.shouldRetry(
                after: .responseTimeout, attempt: 1, idempotent: true, replayable: true, responseStarted: false))
    }

    func testAdminRoutes() {
        XCTAssertEqual(AdminRoutes.route(method: "GET", path: "/status"), .status)
        XCTAssertEqual(
            AdminRoutes.route(method: "POST", path: "/backends/web1/drain"),
            .setState(backend: "web1", state: .draining))
        XCTAssertEqual(
            AdminRoutes.route(method: "POST", path: "/backends/web1/enable"),
            .setState(backend: "web1", state: .enabled))
        XCTAssertEqual(
            AdminRoutes.route(method: "POST", path: "/backends/web1/maint"), .setState(backend: "web1", state: .maint))
        XCTAssertEqual(AdminRoutes.route(method: "GET", path: "/backends/web1/drain"), .methodNotAllowed)
        XCTAssertEqual(AdminRoutes.route(method: "GET", path: "/nope"), .notFound)
    }

    func testRequestIDsAreHexAndDistinct() {
        var generator = RequestIDGenerator(seed: 42)
        var seen = Set<String>()
        for _ in 0..<1000 {
            var bytes = [UInt8](repeating: 0, count: RequestIDGenerator.length)
            bytes.withUnsafeMutableBytes { generator.write(to: $0.baseAddress!) }
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(text.allSatisfy(\.isHexDigit))
            seen.insert(text)
        }
        XCTAssertEqual(seen.count, 1000)
    }
}
