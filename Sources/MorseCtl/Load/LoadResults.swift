import Foundation

/// Everything a load run saw, gathered from all its lanes.
actor LoadResults {
    /// A request that failed: non-2xx, or no response at all.
    struct Failure: Sendable {
        /// Seconds since the run started.
        var at: Double
        var operation: LoadOperation
        var kind: String
        var detail: String
    }

    /// A message the cluster acknowledged (201 with an id): it must be readable afterwards.
    struct WrittenMessage: Sendable {
        var id: String
        var text: String
        var morse: String
        var servedBy: String?
        var at: Double
    }

    struct OperationCounts: Sendable {
        var requests = 0
        var failures = 0
    }

    /// A stretch of the run that began at a mark (SIGUSR1), or at the start: what a script compares, such as the
    /// latency before and during a deploy, from one process and one set of connections.
    struct Phase: Sendable {
        /// Seconds since the run started.
        var from: Double
        /// Where its latencies begin in `latencies` (those of requests that ended in this phase).
        var firstLatency: Int
        var requests = 0
        var failures = 0
        var failureKinds: [String: Int] = [:]
    }

    /// Marks beyond this many are ignored: a runaway signal sender must not grow the report without bound.
    static let phasesLimit = 1_000

    static let examplesPerKind = 5
    static let examplesInAll = 50

    let started: DispatchTime
    private(set) var requests = 0
    private(set) var failures = 0
    private(set) var mismatches: [String] = []
    private(set) var mismatchCount = 0
    private(set) var operations: [LoadOperation: OperationCounts] = [:]
    private(set) var failureKinds: [String: Int] = [:]
    private(set) var examples: [Failure] = []
    /// Failures per second of the run: when they happened (e.g. during which step of a rollout).
    private(set) var failuresPerSecond: [Int: Int] = [:]
    private(set) var latencies: [Double] = []
    private(set) var distribution = Distribution()
    /// worker -> version -> responses, and the version of the last response from each worker.
    private(set) var versions: [String: [String: Int]] = [:]
    private(set) var lastVersion: [String: String] = [:]
    private(set) var written: [WrittenMessage] = []
    private(set) var phases = [Phase(from: 0, firstLatency: 0)]

    init(started: DispatchTime) { self.started = started }

    /// Ends the current phase and begins the next; returns its number (0 is the start), nil past the limit.
    func mark() -> Int? {
        guard phases.count < Self.phasesLimit else { return nil }
        phases.append(Phase(from: elapsed, firstLatency: latencies.count))
        return phases.count - 1
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

    /// Counts one request; returns whether it succeeded (2xx).
    @discardableResult
    func record(_ response: LoadResponse, operation: LoadOperation) -> Bool {
        requests += 1
        operations[operation, default: OperationCounts()].requests += 1
        latencies.append(response.seconds)
        phases[phases.count - 1].requests += 1
        distribution.add(response.transportKind == nil ? response.servedBy : "(no response)")
        if let worker = response.servedBy {
            let version = response.version ?? "(unknown)"
            versions[worker, default: [:]][version, default: 0] += 1
            lastVersion[worker] = version
        }
        guard let kind = response.failureKind else { return true }
        let at = elapsed
        failures += 1
        operations[operation, default: OperationCounts()].failures += 1
        failureKinds[kind, default: 0] += 1
        phases[phases.count - 1].failures += 1
        phases[phases.count - 1].failureKinds[kind, default: 0] += 1
        failuresPerSecond[Int(at), default: 0] += 1
        if failureKinds[kind]! <= Self.examplesPerKind, examples.count < Self.examplesInAll {
            examples.append(Failure(at: at, operation: operation, kind: kind, detail: response.detail))
        }
        return false
    }

    /// A 2xx whose content is wrong (no id, a different Morse code than expected).
    func mismatch(_ detail: String) {
        mismatchCount += 1
        if mismatches.count < Self.examplesInAll { mismatches.append(detail) }
    }

    func wrote(id: String, text: String, morse: String, servedBy: String?) {
        written.append(WrittenMessage(id: id, text: text, morse: morse, servedBy: servedBy, at: elapsed))
    }
}
