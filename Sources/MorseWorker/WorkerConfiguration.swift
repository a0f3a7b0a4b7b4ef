public import MorseStore

/// Everything a worker is started with; the command fills it from flags and `MORSE_*` variables.
///
/// Every length of time is a `Duration`; the command reads them as seconds.
public struct WorkerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8081
    /// Sent as `X-Served-By` on every response, so callers see which worker answered.
    public var name = "web1"
    public var database = StoreLocation.sqlite(path: "morse-worker.db")
    /// How long the worker keeps serving, unready, after SIGTERM: long enough for a proxy's health check to see
    /// `/readyz` fail and stop sending before the listener closes.
    public var drainPeriod = Duration.seconds(3)
    /// Largest request body accepted (413 beyond).
    public var bodyLimit = 64 * 1024
    /// Largest recording `POST /api/v1/decode/audio` takes, in bytes of WAV (413 beyond): 8 MiB is 524 s of 16-bit
    /// mono at 8 kHz, 95 s at 44.1 kHz (``AudioDecodeRoute/longestRecording(limit:sampleRate:)``). Every shipped
    /// proxy configuration sets its `max-body-bytes` to this.
    public var audioUploadLimit = 8 << 20
    /// Longest audio rendered, in length of sound (422 beyond).
    public var maxAudioLength = Duration.seconds(300)
    /// How often the alphabet version counters are read (a changed row reaches the worker within about this).
    public var alphabetRefreshInterval = Duration.seconds(1)
    /// Deadline of every database operation.
    public var storeTimeout = Duration.seconds(3)
    /// When false, `/readyz` stays 200 while the database is down but the alphabet is cached, so a shared-database
    /// outage does not take every worker out of a proxy's rotation (encode and decode still work from cache).
    public var readinessRequiresDatabase = true
    /// How long a client should wait after a 503 before retrying (`Retry-After`, in whole seconds). No flag sets it.
    var retryAfter = Duration.seconds(2)

    public init() {}
}
