/// Counters for one backend (or for answers the proxy gave itself, under the pseudo-backend "none").
/// Plain integers on the loop thread: the admin listener runs on the same loop, so no atomics are needed.
struct BackendStats: Sendable {
    /// Indexed by status code 100...599; a fixed array keeps the per-request cost to one increment.
    private(set) var byStatus = [UInt64](repeating: 0, count: 600)
    var requests: UInt64 = 0
    var failures: UInt64 = 0
    var retries: UInt64 = 0
    var checksOK: UInt64 = 0
    var checksFailed: UInt64 = 0
    var latency = LatencyHistogram()

    init() {}

    @inline(__always)
    mutating func record(status: Int, nanoseconds: Int64) {
        requests &+= 1
        if status >= 100 && status < 600 { byStatus[status] &+= 1 }
        latency.record(nanoseconds: nanoseconds)
    }
}
