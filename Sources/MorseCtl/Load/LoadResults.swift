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

    init(started: DispatchTime) { self.started = started }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

    /// Counts one request; returns whether it succeeded (2xx).
    @discardableResult
    func record(_ response: LoadResponse, operation: LoadOperation) -> Bool {
        requests += 1
        operations[operation, default: OperationCounts()].requests += 1
        latencies.append(response.seconds)
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
