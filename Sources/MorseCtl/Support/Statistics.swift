import Foundation

/// Latency percentiles of a run, nearest-rank.
struct LatencySummary {
    private var sorted: [Double]

    init(_ seconds: [Double]) { sorted = seconds.sorted() }

    /// The p-th percentile in milliseconds (p in 0...100); 0 when there is nothing.
    func percentileMs(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)] * 1000
    }
}

/// Requests per worker, from the X-Served-By header.
struct Distribution {
    private(set) var counts: [String: Int] = [:]
    private(set) var total = 0

    mutating func add(_ servedBy: String?) {
        counts[servedBy ?? "(none)", default: 0] += 1
        total += 1
    }

    func share(of worker: String) -> Double { total == 0 ? 0 : Double(counts[worker] ?? 0) / Double(total) }

    /// `web1 512 (51.2 %), web2 488 (48.8 %)`.
    var description: String {
        counts.sorted { $0.key < $1.key }.map { name, count in
            let percent = Double(count) * 100 / Double(max(total, 1))
            return "\(name) \(count) (\(String(format: "%.1f", percent)) %)"
        }.joined(separator: ", ")
    }
}
