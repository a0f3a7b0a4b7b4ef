/// When a failed attempt may go to another backend. Pure, so the rules in docs/proxy.md are unit-tested.
struct RetryPolicy: Sendable, Equatable {
    var retries: Int

    init(retries: Int) { self.retries = retries }

    enum Failure: Sendable, Equatable {
        /// connect() refused or timed out: nothing reached any backend.
        case connectFailed
        /// The write failed before a single request byte was accepted by the kernel.
        case nothingSent
        /// The connection closed or reset after the request was sent and before any response byte.
        case closedBeforeResponse(reusedConnection: Bool)
        /// The backend took longer than the response timeout.
        case responseTimeout
    }

    /// - Parameters:
    ///   - attempt: attempts made so far (1 after the first).
    ///   - idempotent: RFC 9110 §9.2.2 methods, or a request with an `Idempotency-Key` (the backend deduplicates
    ///     it); others are only resent when provably unsent.
    ///   - replayable: the proxy still holds every request byte (bodies beyond the retained size are streamed).
    ///   - responseStarted: a response byte already went to the client; nothing can be retried after that.
    func shouldRetry(
        after failure: Failure, attempt: Int, idempotent: Bool, replayable: Bool, responseStarted: Bool
    ) -> Bool {
        guard attempt <= retries, replayable, !responseStarted else { return false }
        switch failure {
        case .connectFailed, .nothingSent:
            return true
        case .closedBeforeResponse:
            return idempotent
        case .responseTimeout:
            // The backend may still be working on it; resending even a GET doubles the load on a slow cluster.
            return false
        }
    }
}
