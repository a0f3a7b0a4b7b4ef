import Foundation
import MorseTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The binary upgrade: a new process takes the listening sockets over a Unix socket (`--take-over`), the operator
/// state and health of the backends come with them, and the old process quiesces and exits. Started by hand (as
/// `make test` and the local cluster do) or by SIGUSR2 (as systemd does). The load test of 20 hand-overs is in
/// Tests/e2e/test_proxy_upgrade.py.
final class UpgradeTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var socketPath: String { directory.appendingPathComponent("upgrade.sock").path }

    func testTheNewProcessServesWithTheSameSocketsAndKeepsADrainedBackendDrained() throws {
        let a = try BackendProcess("a")
        let b = try BackendProcess("b")
        let old = try ProxyProcess(backends: [a, b], arguments: ["--upgrade-socket", socketPath])
        XCTAssertEqual(try old.admin("POST", "/backends/a/drain").status, 200)
        let before = try old.admin("GET", "/status")
        XCTAssertEqual(before.header("X-Morse-Proxy-Version"), "0.1.0")

        let new = try ProxyProcess(
            backends: [a, b], arguments: ["--upgrade-socket", socketPath, "--take-over", socketPath],
            ports: (old.port, old.adminPort))
        XCTAssertEqual(old.waitForExit(seconds: 10), 0, "the old process did not quiesce and exit: \(old.log())")
        XCTAssertTrue(old.log().contains("is serving after"), old.log())
        XCTAssertTrue(new.log().contains("took the sockets of process \(old.pid)"), new.log())

        // The old process answered the admin API until it stopped accepting; now only the new one does.
        let status = try new.statusObject()
        XCTAssertEqual(status["pid"] as? Int, Int(new.pid), "/status answered by the old process after it exited")
        XCTAssertEqual(status["version"] as? String, "0.1.0")
        XCTAssertEqual(try new.status()["a"]?["state"] as? String, "draining", "the drain did not carry over")
        for _ in 0..<4 {
            let response = try request(port: new.port, "/")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("X-Served-By"), "b", "a drained backend got traffic")
        }
    }

    func testTakingOverWhereNoProxyListensFailsAndSaysWhy() throws {
        let (status, output) = try runBinary([
            "--listen", "127.0.0.1:\(freePort())", "--admin", "off", "--backend", "a=127.0.0.1:9",
            "--take-over", socketPath,
        ])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("cannot take over: no morse-proxy answers at \(socketPath)"), output)
    }

    /// Something else at the socket: one that closes without a word (what a proxy busy with another successor
    /// does), and one that answers something that is not a hand-over. Either way the new process exits 1 and says
    /// which.
    func testTakingOverFromSomethingThatIsNotAProxyReadyToHandOverFailsAndSaysWhy() throws {
        let fakeOldProcess = """
            import os, socket, sys
            path, reply = sys.argv[1], sys.argv[2].encode()
            if os.path.exists(path): os.unlink(path)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.bind(path); s.listen(1); print("READY", flush=True)
            c, _ = s.accept()
            if reply: c.send(reply)
            c.close()
            """
        for (reply, expected) in [
            ("", "refused (it is stopping, or another process is taking over)"),
            ("HTTP/1.1 400 Bad Request", "not a morse-proxy hand-over message"),
        ] {
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["python3", "-c", fakeOldProcess, socketPath, reply]
            let output = Pipe()
            server.standardOutput = output
            try server.run()
            _ = output.fileHandleForReading.availableData  // "READY": it listens
            let (status, text) = try runBinary([
                "--listen", "127.0.0.1:\(freePort())", "--admin", "off", "--backend", "a=127.0.0.1:9",
                "--take-over", socketPath,
            ])
            server.waitUntilExit()
            XCTAssertEqual(status, 1, text)
            XCTAssertTrue(text.contains(expected), "expected \"\(expected)\" in: \(text)")
        }
    }

    /// SIGUSR2 runs the binary now at the old one's path. One that exits at once changes nothing: the old process
    /// says so and keeps serving; a good one then takes over.
    func testSIGUSR2StartsTheNewBinaryAndABrokenOneLeavesTheOldServing() throws {
        let backend = try BackendProcess("a")
        let installed = directory.appendingPathComponent("morse-proxy").path
        try FileManager.default.copyItem(atPath: ProxyProcess.binary, toPath: installed)
        let old = try ProxyProcess(backends: [backend], arguments: ["--upgrade-socket", socketPath], binary: installed)

        try replace(installed, with: "#!/bin/sh\nexit 3\n")
        old.signal(SIGUSR2)
        try waitUntil("the old process reports the failed upgrade", in: old) {
            $0.contains("upgrade failed: process") && $0.contains("exit status 3")
        }
        XCTAssertEqual(try request(port: old.port, "/").status, 200, "the old process stopped serving")
        XCTAssertEqual(try old.statusObject()["pid"] as? Int, Int(old.pid))

        try FileManager.default.removeItem(atPath: installed)
        try FileManager.default.copyItem(atPath: ProxyProcess.binary, toPath: installed)
        old.signal(SIGUSR2)
        XCTAssertEqual(old.waitForExit(seconds: 15), 0, "the old process did not hand over: \(old.log())")
        let newPid = try old.statusPidAnswering(port: old.adminPort)
        // A pid that /status did not give (-1) must never reach kill(2): kill(-1, ...) signals every process.
        guard newPid > 1 else { return XCTFail("no pid in /status after the upgrade") }
        XCTAssertNotEqual(newPid, Int(old.pid))
        XCTAssertEqual(try request(port: old.port, "/").status, 200)
        kill(pid_t(newPid), SIGTERM)
    }

    private func replace(_ path: String, with script: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    private func waitUntil(_ what: String, in proxy: ProxyProcess, _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if condition(proxy.log()) { return }
            usleep(20_000)
        }
        XCTFail("timed out waiting until \(what): \(proxy.log())")
    }
}

extension ProxyProcess {
    /// The pid in /status of whichever process answers on `port` now.
    func statusPidAnswering(port: UInt16) throws -> Int {
        let response = try request(port: port, "GET", "/status")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return object?["pid"] as? Int ?? -1
    }
}
