import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Acceptance 7 and the CLI: SIGHUP reload and SIGTERM under load, --check-config, metrics, access log (--help
/// and the flags: CommandLineTests).
final class LifecycleTests: XCTestCase {
    static func writeConfig(_ path: String, backends: [BackendProcess], extra: String = "") throws {
        var text = "# test config\nhealth-interval 200ms\nhealth-timeout 100ms\naccess-log off\n" + extra
        for backend in backends { text += "backend \(backend.name) 127.0.0.1:\(backend.port)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func load(_ proxy: ProxyProcess, seconds: Double, workers: Int, tally: Tally, path: String = "/") {
        concurrently(workers) { _ in
            let end = Date().addingTimeInterval(seconds)
            var connection: RawConnection?
            var count = 0
            while Date() < end && count < 20_000 {
                count += 1
                tallyGet(path, port: proxy.port, over: &connection, into: tally)
            }
        }
    }

    func testSighupWithChangedBackendListUnderLoadFailsNothingAndKeepsDrain() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let c = try BackendProcess("c")
        let path = NSTemporaryDirectory() + "morse-proxy-reload-\(getpid()).conf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeConfig(path, backends: [a, b])
        let proxy = try ProxyProcess(arguments: ["--config", path])
        XCTAssertEqual(try proxy.admin("POST", "/backends/b/drain").status, 200)
        let tally = Tally()
        let (backendA, backendB, backendC) = (a, b, c)
        let changer = Thread {
            usleep(700_000)
            try? Self.writeConfig(path, backends: [backendA, backendB, backendC])
            proxy.signal(SIGHUP)
            usleep(700_000)
            try? Self.writeConfig(path, backends: [backendB, backendC])
            proxy.signal(SIGHUP)
        }
        changer.start()
        load(proxy, seconds: 2.5, workers: 6, tally: tally)
        let status = try proxy.status()
        print("SIGHUP under load: \(tally.all) \(tally.firstNotes); backends now \(status.keys.sorted())")
        XCTAssertEqual(tally["failed"], 0, "\(tally.firstNotes)")
        XCTAssertGreaterThan(tally["ok"], 500)
        XCTAssertGreaterThan(tally["by-c"], 0, "added backend took traffic")
        XCTAssertEqual(tally["by-b"], 0, "b stayed drained across both reloads")
        XCTAssertEqual(Set(status.keys), ["b", "c"])
        XCTAssertEqual(status["b"]?["state"] as? String, "draining", "drain survives SIGHUP")
        XCTAssertTrue(proxy.log().contains("configuration reloaded"))
    }

    func testSigtermUnderLoadFinishesInFlightAndExitsZero() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let proxy = try ProxyProcess(backends: [a, b])
        let tally = Tally()
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            Thread.detachNewThread {
                do {
                    let response = try request(port: proxy.port, "/sleep?ms=800")
                    tally.add(response.status == 200 ? "ok" : "failed")
                    if response.header("Connection") == "close" { tally.add("told-to-close") }
                } catch {
                    tally.add("failed")
                    tally.note("\(error)")
                }
                group.leave()
            }
        }
        usleep(250_000)
        let sentAt = Date()
        proxy.signal(SIGTERM)
        usleep(100_000)
        XCTAssertThrowsError(try RawConnection(port: proxy.port), "no longer accepting")
        group.wait()
        let exit = proxy.waitForExit(seconds: 5)
        print(
            "SIGTERM: \(tally.all) exit \(String(describing: exit)) after \(Int(Date().timeIntervalSince(sentAt) * 1000)) ms"
        )
        XCTAssertEqual(tally["ok"], 6, "\(tally.firstNotes)")
        XCTAssertEqual(tally["told-to-close"], 6)
        XCTAssertEqual(exit, 0)
    }

    /// Started with every signal blocked and ignored (as from a Dispatch thread of a supervisor), the proxy still
    /// stops by itself on SIGTERM and on SIGINT.
    func testSignalsWorkWhateverSignalStateTheProxyInherits() throws {
        let a = try BackendProcess("a")
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            let proxy = try ProxyProcess(backends: [a], startedByHostileParent: true)
            let blocked =
                try String(contentsOfFile: "/proc/\(proxy.pid)/status", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("SigBlk:") } ?? "?"
            // The hostile state reached the proxy (else this proves nothing): every other signal is still blocked,
            // only the three it handles are not.
            let mask = try XCTUnwrap(
                UInt64(blocked.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16))
            let handled = [SIGHUP, SIGINT, SIGTERM].reduce(UInt64(0)) { $0 | 1 << UInt64($1 - 1) }
            XCTAssertEqual(mask & handled, 0, String(blocked))
            XCTAssertNotEqual(
                mask & 1 << UInt64(SIGUSR1 - 1), 0, "the hostile parent's mask did not arrive: \(blocked)")
            XCTAssertEqual(try request(port: proxy.port, "/").status, 200)
            let sentAt = Date()
            proxy.signal(number)
            let exit = proxy.waitForExit(seconds: 3)
            let took = Date().timeIntervalSince(sentAt)
            print("\(name) to a proxy started with \(blocked): exit \(String(describing: exit)) after \(took) s")
            XCTAssertEqual(exit, 0, "\(name) must stop the proxy by itself: \(proxy.log())")
            XCTAssertTrue(proxy.log().contains("\(name): stopping"), proxy.log())
        }
    }

    func testCheckConfig() throws {
        let good = NSTemporaryDirectory() + "morse-good-\(getpid()).conf"
        let bad = NSTemporaryDirectory() + "morse-bad-\(getpid()).conf"
        defer {
            try? FileManager.default.removeItem(atPath: good)
            try? FileManager.default.removeItem(atPath: bad)
        }
        try "listen 127.0.0.1:8080\nbackend web1 127.0.0.1:8081\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        try "listen 127.0.0.1:8080\nbackend web1 127.0.0.1:8081\nretries many\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let (okStatus, okText) = try runBinary(["--check-config", good])
        XCTAssertEqual(okStatus, 0, okText)
        let (badStatus, badText) = try runBinary(["--check-config", bad])
        print("check-config bad: exit \(badStatus): \(badText)")
        XCTAssertEqual(badStatus, 1)
        XCTAssertTrue(badText.contains(":3: retries"), badText)
    }

    func testMetricsStatusAndAccessLog() throws {
        let a = try BackendProcess("a")
        let logPath = NSTemporaryDirectory() + "morse-access-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let proxy = try ProxyProcess(backends: [a], arguments: ["--access-log", logPath])
        for _ in 0..<5 {
            XCTAssertEqual(try request(port: proxy.port, "/", headers: [("X-Request-ID", "rid-7")]).status, 200)
        }
        let metrics = try proxy.admin("GET", "/metrics").text
        XCTAssertTrue(metrics.contains("morse_proxy_requests_total{backend=\"a\",code=\"200\"} 5"), metrics)
        XCTAssertTrue(metrics.contains("morse_proxy_backend_up{backend=\"a\"} 1"))
        XCTAssertTrue(metrics.contains("morse_proxy_request_duration_seconds_bucket"))
        XCTAssertTrue(metrics.contains("morse_proxy_health_checks_total{backend=\"a\",result=\"ok\"}"))
        XCTAssertTrue(metrics.contains("morse_proxy_retries_total"))
        usleep(1_200_000)
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        let entry = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        print("access log line: \(lines[0])")
        XCTAssertEqual(entry["status"] as? Int, 200)
        XCTAssertEqual(entry["backend"] as? String, "a")
        XCTAssertEqual(entry["request_id"] as? String, "rid-7")
        XCTAssertEqual(entry["method"] as? String, "GET")
    }

    func testAdminTokenIsEnforced() throws {
        let a = try BackendProcess("a")
        let proxy = try ProxyProcess(backends: [a], arguments: ["--admin-token", "s3cret"])
        XCTAssertEqual(try proxy.admin("GET", "/status").status, 401)
        let authorized = try request(
            port: proxy.adminPort, "GET", "/status", headers: [("Authorization", "Bearer s3cret")])
        XCTAssertEqual(authorized.status, 200)
        let (status, text) = try runBinary([
            "--admin", "0.0.0.0:1", "--backend", "a=127.0.0.1:1", "--check-config", "/dev/null",
        ])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(text.contains("admin-token"), text)
    }
}
