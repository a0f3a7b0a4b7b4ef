import Foundation
import XCTest

@testable import MorseProxy

/// The flags come from `ProxySetting.all`: one per setting, same name as the key, help and default from the table.
final class CommandLineTests: XCTestCase {
    func testHelpListsEverySettingWithItsHelpAndDefault() throws {
        let (status, help) = try runBinary(["--help"])
        XCTAssertEqual(status, 0)
        // Each entry, label to the next label, on one line: wrapping does not matter.
        let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let labels = ProxySetting.all.map { "--\($0.key) <\($0.placeholder)>" }
        for (index, setting) in ProxySetting.all.enumerated() {
            guard let start = flat.range(of: labels[index]) else {
                XCTFail("--help lacks \(labels[index])")
                continue
            }
            let end = index + 1 < labels.count ? flat.range(of: labels[index + 1])?.lowerBound : nil
            let entry = flat[start.upperBound..<(end ?? flat.endIndex)]
            XCTAssertTrue(entry.contains(setting.help.split(separator: " ").joined(separator: " ")), String(entry))
            if let value = setting.defaultText { XCTAssertTrue(entry.contains("(default: \(value))"), String(entry)) }
        }
        for option in ["--config <file>", "--check-config <file>", "--log-level <level>", "-h, --help"] {
            XCTAssertTrue(help.contains(option), "--help lacks \(option)")
        }
    }

    /// Every flag is accepted with a valid value, as `--key value` and as `--key=value`, and overrides the file.
    func testEveryFlagIsAccepted() throws {
        var arguments = ["--check-config", "/dev/null"]
        for setting in ProxySetting.all {
            let value = setting.defaultText ?? (setting.isList ? "web1=127.0.0.1:8081" : "")
            arguments += setting.key.hasPrefix("a") ? ["--\(setting.key)=\(value)"] : ["--\(setting.key)", value]
        }
        let (status, output) = try runBinary(arguments)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("/dev/null: OK (1 backends, listen 127.0.0.1:8080)"), output)
        let (_, overridden) = try runBinary(arguments + ["--listen", "127.0.0.1:9999"])
        XCTAssertTrue(overridden.contains("listen 127.0.0.1:9999"), overridden)
    }

    func testUnreadableCommandLinesExit64() throws {
        let (unknown, text) = try runBinary(["--lisen", "127.0.0.1:1"])
        XCTAssertEqual(unknown, 64)
        XCTAssertTrue(text.contains("unknown option '--lisen'; did you mean '--listen'?"), text)
        let (missing, missingText) = try runBinary(["--backend"])
        XCTAssertEqual(missing, 64)
        XCTAssertTrue(missingText.contains("--backend needs a value"), missingText)
        let (stray, strayText) = try runBinary(["extra"])
        XCTAssertEqual(stray, 64)
        XCTAssertTrue(strayText.contains("unexpected argument 'extra'"), strayText)
    }

    func testAFlagValueIsCheckedLikeTheFileValue() throws {
        let (status, text) = try runBinary(["--check-config", "/dev/null", "--backend", "a=127.0.0.1:1", "--rise", "0"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(text.contains("command line: rise: must be an integer in 1...100, got '0'"), text)
    }
}
