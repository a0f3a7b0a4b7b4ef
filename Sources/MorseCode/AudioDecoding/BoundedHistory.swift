#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The last `capacity` positive values of a stream (durations, in samples), oldest overwritten first: the decoder's
/// memory of the sender's timing, bounded whatever the length of the input.
struct BoundedHistory: Sendable {
    private var values: [Double]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        values = [Double](repeating: 0, count: max(1, capacity))
    }

    var capacity: Int { values.count }

    mutating func append(_ value: Double) {
        guard value.isFinite, value > 0 else { return }
        values[next] = value
        next = next + 1 == values.count ? 0 : next + 1
        count = min(count + 1, values.count)
    }

    /// The values held, smallest first.
    func sorted() -> [Double] { values.prefix(count).sorted() }

    /// The lowest cluster: the values within `spread` times the `quantile` value, then twice more within `spread`
    /// times that cluster's median. Nil when empty.
    func lowestCluster(quantile: Double = 0.2, spread: Double = 1.8) -> Double? {
        let sorted = sorted()
        guard !sorted.isEmpty else { return nil }
        var centre = sorted[min(sorted.count - 1, max(0, Int(Double(sorted.count) * quantile)))]
        for _ in 0..<2 {
            let cluster = sorted.filter { $0 <= centre * spread && $0 >= centre / spread }
            guard !cluster.isEmpty else { break }
            centre = cluster[cluster.count / 2]
        }
        return centre
    }

    /// The best split in two (least squares in the log domain, each side at least two values once there are
    /// four), each side represented by its (lower) median so that a stray value moves nothing; one cluster (`low == high`,
    /// the median of all) when the sides are not `minimumRatio` apart. Values below `minimum` are left out. Nil when
    /// none is left.
    func twoClusters(minimumRatio: Double, atLeast minimum: Double = 0) -> (low: Double, high: Double)? {
        let sorted = sorted().filter { $0 >= minimum }
        let count = sorted.count
        guard count > 0 else { return nil }
        let all = sorted[(count - 1) / 2]
        let smallest = count >= 4 ? 2 : 1
        guard count >= 2 * smallest else { return (all, all) }
        let logs = sorted.map { log($0) }
        var prefix = [0.0]
        var prefixSquares = [0.0]
        for value in logs {
            prefix.append(prefix[prefix.count - 1] + value)
            prefixSquares.append(prefixSquares[prefixSquares.count - 1] + value * value)
        }
        func cost(_ lower: Int, _ upper: Int) -> Double {
            let n = Double(upper - lower)
            let sum = prefix[upper] - prefix[lower]
            return prefixSquares[upper] - prefixSquares[lower] - sum * sum / n
        }
        var bestSplit = smallest
        var bestCost = Double.infinity
        for split in smallest...(count - smallest) {
            let total = cost(0, split) + cost(split, count)
            if total < bestCost {
                bestCost = total
                bestSplit = split
            }
        }
        let low = sorted[(bestSplit - 1) / 2]
        let high = sorted[bestSplit + (count - bestSplit - 1) / 2]
        guard high >= low * minimumRatio else { return (all, all) }
        return (low, high)
    }
}

extension Int {
    /// `value` rounded and clamped to `range`; NaN gives the lower bound. Never traps, whatever the input.
    init(clamping value: Double, to range: ClosedRange<Int>) {
        if value.isNaN {
            self = range.lowerBound
        } else if value <= Double(range.lowerBound) {
            self = range.lowerBound
        } else if value >= Double(range.upperBound) {
            self = range.upperBound
        } else {
            self = Int(value.rounded())
        }
    }
}
