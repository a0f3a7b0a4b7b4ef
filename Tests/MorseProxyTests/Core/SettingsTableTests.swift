import Foundation
import XCTest

@testable import MorseProxy

/// `ProxySetting.all` is the one declaration of every setting: these tests keep the rest in step with it.
final class SettingsTableTests: XCTestCase {
    func testKeysAreUniqueFlagShapedNames() {
        let keys = ProxySetting.all.map(\.key)
        XCTAssertEqual(Set(keys).count, keys.count, "a key is declared twice")
        for key in keys {
            XCTAssertTrue(key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, key)
        }
    }

    /// Each default, written as text and read back, gives the default again: `--help` and the docs show values
    /// the file accepts.
    func testDefaultsSurviveTheirTextForm() throws {
        for setting in ProxySetting.all {
            guard let text = setting.defaultText else { continue }
            var config = ProxyConfig()
            try setting.apply(&config, text)
            XCTAssertEqual(config, ProxyConfig(), "\(setting.key): default written as '\(text)' reads back differently")
        }
    }

    /// Every stored property of `ProxyConfig` belongs to one setting (settings write through their key path).
    func testEveryStoredPropertyHasOneSetting() {
        let properties = Mirror(reflecting: ProxyConfig()).children.compactMap(\.label)
        let written = ProxySetting.all.map {
            String(reflecting: $0.path).replacingOccurrences(of: "\\ProxyConfig.", with: "")
        }
        XCTAssertEqual(Set(written).count, written.count, "two settings write the same property: \(written)")
        XCTAssertEqual(Set(properties), Set(written), "ProxyConfig's stored properties and ProxySetting.all differ")
    }

    /// The sockets the proxy listens on (clients, admin, a successor) are kept by a reload; a binary upgrade
    /// (`--take-over`) changes them without refusing a connection.
    func testOnlyTheListeningAddressesNeedARestart() {
        XCTAssertEqual(
            ProxySetting.all.filter { $0.reload == .needsRestart }.map(\.key), ["listen", "admin", "upgrade-socket"])
    }

    /// A reload applies every changed setting but those that need a restart, which keep their running value.
    func testAReloadKeepsWhatNeedsARestartAndAppliesTheRest() {
        let running = ProxyConfig()
        var fresh = running
        fresh.listen = HostPort(host: "127.0.0.1", port: 1)
        fresh.admin = nil
        fresh.retries = 5
        fresh.backends = [BackendSpec(name: "a", address: HostPort(host: "127.0.0.1", port: 2))]
        let (kept, ignored) = fresh.reloaded(over: running)
        var expected = running
        expected.retries = 5
        expected.backends = fresh.backends
        XCTAssertEqual(kept, expected)
        XCTAssertEqual(
            ignored,
            [
                "listen change to 127.0.0.1:1 needs a restart; keeping 127.0.0.1:8080",
                "admin change to off needs a restart; keeping 127.0.0.1:8079",
            ])
    }

    /// docs/proxy.md's settings table is rendered from the table. `MORSE_UPDATE_DOCS=1` rewrites it.
    func testTheDocsTableIsTheRenderedTable() throws {
        let url = packageRoot.appendingPathComponent("docs/proxy.md")
        let docs = try String(contentsOf: url, encoding: .utf8)
        let begin =
            "<!-- settings table: generated from ProxySetting.all (Sources/MorseProxy/Config/ProxySettings.swift)"
        let end = "<!-- end of settings table -->"
        guard let start = docs.range(of: begin), let stop = docs.range(of: end, range: start.upperBound..<docs.endIndex)
        else { return XCTFail("docs/proxy.md lacks the markers '\(begin)' and '\(end)'") }
        let afterMarker = docs[start.upperBound...].firstIndex(of: "\n").map { docs.index(after: $0) }!
        let current = String(docs[afterMarker..<stop.lowerBound])
        let rendered = Self.markdownTable()
        if ProcessInfo.processInfo.environment["MORSE_UPDATE_DOCS"] == "1" {
            try docs.replacingCharacters(in: afterMarker..<stop.lowerBound, with: rendered).write(
                to: url, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(
            current, rendered,
            "docs/proxy.md's settings table is not what ProxySetting.all renders; rerun with MORSE_UPDATE_DOCS=1")
    }

    static func markdownTable() -> String {
        var lines = ["| key | default | meaning |", "|---|---|---|"]
        for setting in ProxySetting.all {
            var meaning = setting.doc
            if setting.reload == .needsRestart { meaning += " (a change needs a restart, not a reload)" }
            lines.append("| `\(setting.key)` | \(setting.defaultText.map { "`\($0)`" } ?? "none") | \(meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
