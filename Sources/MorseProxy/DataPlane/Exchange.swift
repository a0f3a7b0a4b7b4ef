/// One request and its answer, from the first byte of the head to the last byte of the response: what a client
/// connection must forget before its next request. It is a value, so `startRequest` resets it by assignment and
/// no field can be left over from the previous request.
struct Exchange {
    /// When the request's first byte was handled (monotonic nanoseconds), for its duration.
    var requestStartNs: Int64 = 0
    /// Attempts made (1 after the first dispatch) and the backends they went to, as a bitmask of backend ids.
    var attempts = 0
    var triedMask: UInt64 = 0
    /// The proxy still holds every request byte, so the request can be resent to another backend.
    var replayable = true
    var requestComplete = false
    /// A response byte went to the client: nothing can be retried any more.
    var responseStarted = false
    /// The response carries, or will carry, `Connection: close`.
    var closeAfterResponse = false
    var keepAlive = true
    var isHTTP10 = false
    /// RFC 9110 §9.2.2 method, or a request with an `Idempotency-Key`: safe to resend after a backend died.
    var idempotent = true
    var isHeadRequest = false
    var status = 0
    var bytesOut = 0
    var requestIDLength = 0
    var dispatchNs: Int64 = 0
    var responseHeadNs: Int64 = 0
    /// Lengths of the method and target copied into the scratch for the access log.
    var logMethodLength = 0
    var logTargetLength = 0
    /// The backend of the current attempt, whose in-flight slot this exchange holds.
    var backend: Backend?
    /// The backend of the latest attempt, for statistics and the access log.
    var lastBackend: Backend?
}
