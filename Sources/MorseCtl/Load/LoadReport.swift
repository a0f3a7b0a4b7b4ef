import Foundation

/// The end of a load run: text for people, JSON for scripts, and the acknowledged messages as JSON lines.
struct LoadReport {
    let url: String
    let seconds: Double
    let concurrency: Int
    let mix: LoadMix
    let seed: UInt64
    let stopReason: String
    let requests: Int
    let failures: Int
    let mismatchCount: Int
    let mismatches: [String]
    let operations: [LoadOperation: LoadResults.OperationCounts]
    let failureKinds: [String: Int]
    let examples: [LoadResults.Failure]
    let failuresPerSecond: [Int: Int]
    let latency: LatencySummary
    let distribution: Distribution
    let versions: [String: [String: Int]]
    let lastVersion: [String: String]
    let written: [LoadResults.WrittenMessage]
    /// The phases and each one's latency (one phase when nothing marked the run).
    let phases: [(phase: LoadResults.Phase, latency: LatencySummary)]

    init(
        results: LoadResults, seconds: Double, url: String, concurrency: Int, mix: LoadMix, seed: UInt64,
        stopReason: String
    ) async {
        self.url = url
        self.seconds = seconds
        self.concurrency = concurrency
        self.mix = mix
        self.seed = seed
        self.stopReason = stopReason
        requests = await results.requests
        failures = await results.failures
        mismatchCount = await results.mismatchCount
        mismatches = await results.mismatches
        operations = await results.operations
        failureKinds = await results.failureKinds
        examples = await results.examples
        failuresPerSecond = await results.failuresPerSecond
        let latencies = await results.latencies
        latency = LatencySummary(latencies)
        let marked = await results.phases
        phases = marked.indices.map { index in
            let end = index + 1 < marked.count ? marked[index + 1].firstLatency : latencies.count
            return (marked[index], LatencySummary(Array(latencies[marked[index].firstLatency..<end])))
        }
        distribution = await results.distribution
        versions = await results.versions
        lastVersion = await results.lastVersion
        written = await results.written
    }

    var passed: Bool { failures == 0 && mismatchCount == 0 && requests > 0 }

    private var rate: Double { seconds > 0 ? Double(requests) / seconds : 0 }

    private func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

    var text: String {
        var lines = [
            "load:        \(url), \(concurrency) connections, mix \(mix), \(format(seconds)) s (\(stopReason))",
            "requests:    \(requests) (\(format(rate)) per second)",
            "succeeded:   \(requests - failures)",
            "failed:      \(failures)"
                + (failures == 0
                    ? ""
                    : " ("
                        + failureKinds.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                        .joined(separator: ", ") + ")"),
        ]
        for (operation, counts) in operations.sorted(by: { $0.key < $1.key }) {
            var line =
                "  \(operation.rawValue) (\(operation.request)): \(counts.requests) requests, "
                + "\(counts.failures) failed"
            if operation == .message { line += ", \(written.count) acknowledged (201)" }
            lines.append(line)
        }
        lines.append("mismatches:  \(mismatchCount)")
        lines.append("workers:     \(distribution.description)")
        for (worker, byVersion) in versions.sorted(by: { $0.key < $1.key }) {
            let counts = byVersion.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("  \(worker): \(counts); last \(lastVersion[worker] ?? "-")")
        }
        lines.append(
            "latency:     p50 \(format(latency.percentileMs(50), 2)) ms, p99 \(format(latency.percentileMs(99), 2)) ms, "
                + "max \(format(latency.percentileMs(100), 2)) ms")
        if phases.count > 1 {
            for (number, (phase, latency)) in phases.enumerated() {
                lines.append(
                    "  phase \(number) from \(format(phase.from, 2)) s: \(phase.requests) requests, "
                        + "\(phase.failures) failed, p50 \(format(latency.percentileMs(50), 2)) ms, "
                        + "p99 \(format(latency.percentileMs(99), 2)) ms")
            }
        }
        if !failuresPerSecond.isEmpty {
            lines.append(
                "failures by second of the run: "
                    + failuresPerSecond.sorted { $0.key < $1.key }.map { "\($0.key)s: \($0.value)" }
                    .joined(separator: ", "))
        }
        for example in examples {
            lines.append("  at \(format(example.at, 2)) s, \(example.operation.rawValue): \(example.detail)")
        }
        for mismatch in mismatches.prefix(20) { lines.append("  mismatch: \(mismatch)") }
        return lines.joined(separator: "\n")
    }

    func summaryJSON() throws -> Data {
        let summary: [String: Any] = [
            "url": url, "seconds": seconds, "concurrency": concurrency, "mix": mix.description, "seed": seed,
            "stop_reason": stopReason,
            "requests": requests, "succeeded": requests - failures, "failures": failures,
            "requests_per_second": rate,
            "failure_kinds": failureKinds,
            "http_errors": failureKinds.filter { $0.key.hasPrefix("HTTP ") }.values.reduce(0, +),
            "connection_errors": failureKinds.filter { $0.key.hasPrefix("connection: ") }.values.reduce(0, +),
            "failure_examples": examples.map {
                ["at": $0.at, "operation": $0.operation.rawValue, "kind": $0.kind, "detail": $0.detail] as [String: Any]
            },
            "failures_per_second": Dictionary(
                uniqueKeysWithValues: failuresPerSecond.map { (String($0.key), $0.value) }),
            "mismatches": mismatchCount, "mismatch_examples": mismatches,
            "operations": Dictionary(
                uniqueKeysWithValues: operations.map {
                    ($0.key.rawValue, ["requests": $0.value.requests, "failures": $0.value.failures])
                }),
            "messages_acknowledged": written.count,
            "workers": distribution.counts, "worker_versions": versions, "last_version": lastVersion,
            "latency_ms": Self.latencyJSON(latency),
            "phases": phases.map { phase, latency in
                [
                    "from_s": phase.from, "requests": phase.requests, "failures": phase.failures,
                    "failure_kinds": phase.failureKinds, "latency_ms": Self.latencyJSON(latency),
                ] as [String: Any]
            },
        ]
        return try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
    }

    private static func latencyJSON(_ latency: LatencySummary) -> [String: Double] {
        ["p50": latency.percentileMs(50), "p99": latency.percentileMs(99), "max": latency.percentileMs(100)]
    }

    /// One JSON object per line: `{"id", "text", "morse", "served_by", "at"}` for every acknowledged message.
    func messagesJSONLines() throws -> Data {
        var out = Data()
        for message in written {
            var object: [String: Any] = [
                "id": message.id, "text": message.text, "morse": message.morse, "at": message.at,
            ]
            if let servedBy = message.servedBy { object["served_by"] = servedBy }
            out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}
