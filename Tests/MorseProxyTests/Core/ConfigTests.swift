import XCTest

@testable import MorseProxy

final class ConfigTests: XCTestCase {
    let sample = """
        # rendered by Ansible
        listen 0.0.0.0:8080
        admin 127.0.0.1:8079
        backend web1 127.0.0.1:8081
        backend web2 127.0.0.1:8082   # second worker
        health-path /readyz
        health-interval 2s
        health-timeout 500ms
        rise 2
        fall 3
        retries 2
        max-body-bytes 1MiB
        max-header-bytes 16k
        access-log off
        """

    func testParsesTheDocumentedFormat() throws {
        let config = try ConfigFile.build(file: ConfigFile.parse(sample), overrides: [])
        XCTAssertEqual(config.listen, HostPort(host: "0.0.0.0", port: 8080))
        XCTAssertEqual(config.backends.map(\.name), ["web1", "web2"])
        XCTAssertEqual(config.backends[1].address, HostPort(host: "127.0.0.1", port: 8082))
        XCTAssertEqual(config.healthTimeoutMs, 500)
        XCTAssertEqual(config.maxBodyBytes, 1 << 20)
        XCTAssertEqual(config.maxHeaderBytes, 16384)
        XCTAssertEqual(config.accessLog, .off)
    }

    func testFlagsOverrideTheFileAndBackendFlagsReplaceTheList() throws {
        let overrides = [
            ConfigDirective(key: "retries", value: "0"),
            ConfigDirective(key: "backend", value: "only=127.0.0.1:9000"),
        ]
        let config = try ConfigFile.build(file: ConfigFile.parse(sample), overrides: overrides)
        XCTAssertEqual(config.retries, 0)
        XCTAssertEqual(config.backends, [BackendSpec(name: "only", address: HostPort(host: "127.0.0.1", port: 9000))])
    }

    func testErrorsNameTheLine() {
        XCTAssertThrowsError(try ConfigFile.parse("listen 127.0.0.1:1\nbogus 1\n", source: "x.conf")) { error in
            XCTAssertEqual("\(error)", "x.conf:2: unknown setting 'bogus'")
        }
        XCTAssertThrowsError(try ConfigFile.build(file: ConfigFile.parse("health-interval 2\n"), overrides: [])) {
            XCTAssertTrue("\($0)".contains("line 1"), "\($0)")
            XCTAssertTrue("\($0)".contains("invalid duration"), "\($0)")
        }
    }

    func testValidationRules() {
        XCTAssertThrowsError(try ConfigFile.build(file: [], overrides: [])) {
            XCTAssertTrue("\($0)".contains("no backend"))
        }
        let twice = "backend a 127.0.0.1:1\nbackend a 127.0.0.1:2\n"
        XCTAssertThrowsError(try ConfigFile.build(file: ConfigFile.parse(twice), overrides: []))
        let publicAdmin = "backend a 127.0.0.1:1\nadmin 0.0.0.0:8079\n"
        XCTAssertThrowsError(try ConfigFile.build(file: ConfigFile.parse(publicAdmin), overrides: [])) {
            XCTAssertTrue("\($0)".contains("admin-token"))
        }
        XCTAssertNoThrow(
            try ConfigFile.build(file: ConfigFile.parse(publicAdmin + "admin-token s3cret\n"), overrides: []))
        XCTAssertThrowsError(try ConfigFile.build(file: ConfigFile.parse("backend a example.com:80\n"), overrides: []))
    }

    func testValueParsers() throws {
        XCTAssertEqual(try ValueParsers.duration("1m"), 60_000)
        XCTAssertEqual(try ValueParsers.duration("0"), 0)
        XCTAssertThrowsError(try ValueParsers.duration("-1s"))
        XCTAssertEqual(try ValueParsers.size("2MiB"), 2 << 20)
        XCTAssertEqual(try ValueParsers.size("512"), 512)
        XCTAssertEqual(try ValueParsers.hostPort("[::1]:80"), HostPort(host: "::1", port: 80))
        XCTAssertThrowsError(try ValueParsers.backendName("a b"))
    }

    func testTheShippedExampleIsValid() throws {
        let example = packageRoot.appendingPathComponent("cluster/morse-proxy.conf.example").path
        let config = try ConfigFile.load(path: example, overrides: [])
        XCTAssertEqual(config.backends.map(\.name), ["web1", "web2"])
        XCTAssertEqual(config.listen, HostPort(host: "0.0.0.0", port: 8080))
    }

    func testUnknownKeysAndMissingValues() {
        XCTAssertThrowsError(try ConfigFile.parse("listen\n")) {
            XCTAssertEqual("\($0)", "line 1: 'listen' needs a value")
        }
        XCTAssertNoThrow(try ConfigFile.parse("admin-token\n"), "an empty token means none")
        XCTAssertThrowsError(try ConfigFile.build(file: ConfigFile.parse("rise 0\n"), overrides: [])) {
            XCTAssertEqual("\($0)", "line 1: rise: must be an integer in 1...100, got '0'")
        }
        XCTAssertThrowsError(try ConfigFile.build(file: ConfigFile.parse("initial-state maybe\n"), overrides: [])) {
            XCTAssertEqual("\($0)", "line 1: initial-state: must be 'up' or 'down', got 'maybe'")
        }
    }
}
