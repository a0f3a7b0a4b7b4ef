import Foundation

/// The end of a smoke run, as text for people, JUnit XML for CI and JSON for scripts.
struct SmokeReport {
    let requests: Int
    let failures: [SmokeResults.Problem]
    let mismatches: [SmokeResults.Problem]
    let roundTrips: Int
    let messages: Int
    let distribution: Distribution
    let latency: LatencySummary
    let seconds: Double
    let seed: UInt64
    let url: String

    init(results: SmokeResults, seconds: Double, seed: UInt64, url: String) async {
        requests = await results.requests
        failures = await results.failures
        mismatches = await results.mismatches
        roundTrips = await results.roundTrips
        messages = await results.messages
        distribution = await results.distribution
        latency = LatencySummary(await results.latencies)
        self.seconds = seconds
        self.seed = seed
        self.url = url
    }

    func passed(expectedRounds: Int) -> Bool {
        failures.isEmpty && mismatches.isEmpty && roundTrips == expectedRounds
    }

    var text: String {
        var lines = [
            "requests:    \(requests) in \(String(format: "%.1f", seconds)) s",
            "round trips: \(roundTrips), messages: \(messages)",
            "failures:    \(failures.count)",
            "mismatches:  \(mismatches.count)",
            "workers:     \(distribution.description)",
            "latency:     p50 \(String(format: "%.2f", latency.percentileMs(50))) ms, "
                + "p99 \(String(format: "%.2f", latency.percentileMs(99))) ms",
        ]
        for problem in (failures + mismatches).prefix(20) { lines.append("  \(problem.check): \(problem.detail)") }
        if !failures.isEmpty || !mismatches.isEmpty { lines.append("replay with --seed \(seed)") }
        return lines.joined(separator: "\n")
    }

    func summaryJSON() throws -> Data {
        let summary: [String: Any] = [
            "requests": requests, "failures": failures.count, "mismatches": mismatches.count,
            "roundTrips": roundTrips, "messages": messages, "workers": distribution.counts,
            "p50Ms": latency.percentileMs(50), "p99Ms": latency.percentileMs(99), "seconds": seconds, "seed": seed,
        ]
        return try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    }

    /// One test case per check, failed with every problem it saw.
    func junitXML() -> String {
        let checks = ["encode", "decode", "round trip", "message write", "message read"]
        let all = failures + mismatches
        var cases: [String] = []
        for check in checks {
            let problems = all.filter { $0.check == check }
            var element = "    <testcase classname=\"morsectl.smoke\" name=\"\(xmlEscaped(check))\">"
            if !problems.isEmpty {
                let detail = problems.prefix(100).map(\.detail).joined(separator: "\n")
                element += "\n      <failure message=\"\(problems.count) problems\" type=\"\(xmlEscaped(check))\">"
                element += xmlEscaped(detail) + "</failure>\n    "
            }
            cases.append(element + "</testcase>")
        }
        let failed = checks.filter { check in all.contains { $0.check == check } }.count
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites>
              <testsuite name="morsectl smoke \(xmlEscaped(url))" tests="\(checks.count)" failures="\(failed)" \
            errors="0" time="\(String(format: "%.3f", seconds))">
                <properties>
                  <property name="seed" value="\(seed)"/>
                  <property name="requests" value="\(requests)"/>
                  <property name="workers" value="\(xmlEscaped(distribution.description))"/>
                </properties>
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
    }
}

/// Text safe inside XML attributes and elements; characters XML 1.0 cannot hold become U+FFFD.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value): out += "\u{FFFD}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
