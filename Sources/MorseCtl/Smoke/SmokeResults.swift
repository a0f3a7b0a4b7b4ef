/// What a smoke run found, gathered from all its tasks.
actor SmokeResults {
    struct Problem: Sendable {
        var check: String
        var detail: String
    }

    private(set) var requests = 0
    private(set) var failures: [Problem] = []
    private(set) var mismatches: [Problem] = []
    private(set) var roundTrips = 0
    private(set) var messages = 0
    private(set) var latencies: [Double] = []
    private(set) var distribution = Distribution()

    /// Counts one exchange; returns whether it succeeded (a 2xx response).
    @discardableResult
    func record(_ exchange: Exchange, check: String) -> Bool {
        requests += 1
        latencies.append(exchange.seconds)
        distribution.add(exchange.transportError == nil ? exchange.servedBy : "(no response)")
        if !exchange.succeeded { failures.append(Problem(check: check, detail: exchange.summary)) }
        return exchange.succeeded
    }

    func mismatch(_ check: String, _ detail: String) { mismatches.append(Problem(check: check, detail: detail)) }

    func roundTripDone() { roundTrips += 1 }

    func messageDone() { messages += 1 }
}
