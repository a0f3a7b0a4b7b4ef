/// Fixed-bucket latency histogram in the Prometheus shape (cumulative on output, not on record).
struct LatencyHistogram: Sendable {
    /// Upper bounds in seconds; from loopback sub-millisecond answers up to the default response timeout.
    static let bounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]
    static let boundsNanoseconds: [Int64] = bounds.map { Int64($0 * 1e9) }

    private(set) var counts = [UInt64](repeating: 0, count: bounds.count + 1)
    private(set) var sumSeconds = 0.0
    private(set) var total: UInt64 = 0

    init() {}

    @inline(__always)
    mutating func record(nanoseconds: Int64) {
        var index = 0
        let bounds = Self.boundsNanoseconds
        while index < bounds.count && nanoseconds > bounds[index] { index += 1 }
        counts[index] &+= 1
        total &+= 1
        sumSeconds += Double(nanoseconds) / 1e9
    }
}
