import ArgumentParser
import Logging
import Metrics
import MorseStore
import MorseWorker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `morse-worker`: the Morse web service a proxy balances.
///
/// Every option falls back to a `MORSE_*` environment variable, then to its default, so that a service unit or a
/// container can configure the worker without a command line.
@main
struct MorseWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morse-worker",
        abstract: "Serve the Morse translator: page, JSON API, WAV audio and shared messages.",
        discussion: """
            The Morse alphabet lives in the database; each request fetches only the characters it needs and \
            caches them. Changes to the alphabet table reach every worker within about a second.

            Endpoints: GET / (page), /api/v1/encode, /api/v1/decode, /api/v1/audio, POST /api/v1/decode/audio (WAV in, text out), /api/v1/alphabets, \
            /api/v1/messages, /m/{id}, /healthz, /readyz, /metrics.

            On SIGTERM the worker answers 503 on /readyz for --drain-seconds while still serving, then stops \
            accepting, finishes in-flight requests, closes the database and exits 0.

            Every option can be set by the environment variable named after it, e.g. MORSE_PORT=8082.
            """,
        version: WorkerVersion.current)

    @Option(help: "Address to listen on. [env: MORSE_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on. [env: MORSE_PORT] (default: 8081)")
    var port: Int?

    @Option(help: "Worker name, sent as X-Served-By on every response. [env: MORSE_NAME] (default: web1)")
    var name: String?

    @Option(
        help: """
            sqlite:PATH (created if missing) or postgres://user:pass@host:port/db. \
            [env: MORSE_DATABASE] (default: sqlite:morse-worker.db)
            """)
    var database: String?

    @Option(help: "Seconds to keep serving, unready, after SIGTERM. [env: MORSE_DRAIN_SECONDS] (default: 3)")
    var drainSeconds: Double?

    @Option(help: "Largest request body in bytes (413 beyond). [env: MORSE_BODY_LIMIT] (default: 65536)")
    var bodyLimit: Int?

    @Option(
        help: """
            Largest WAV recording POST /api/v1/decode/audio takes, in bytes (413 beyond); the proxy's max-body-bytes \
            must be at least this. 8 MiB holds 524 s of 16-bit mono at 8000 Hz, 190 s at 22050 Hz, 95 s at 44100 Hz. \
            [env: MORSE_AUDIO_UPLOAD_LIMIT] (default: 8388608)
            """)
    var audioUploadLimit: Int?

    @Option(help: "Longest audio rendered, in seconds (422 beyond). [env: MORSE_MAX_AUDIO_SECONDS] (default: 300)")
    var maxAudioSeconds: Double?

    @Option(
        help: """
            Seconds between reads of the alphabet version counters: a changed row reaches the worker within \
            about this. [env: MORSE_ALPHABET_REFRESH] (default: 1)
            """)
    var alphabetRefresh: Double?

    @Option(help: "Deadline of each database operation, in seconds. [env: MORSE_STORE_TIMEOUT] (default: 3)")
    var storeTimeout: Double?

    @Flag(
        help: """
            Stay ready while the database is down if the alphabet is cached (encode and decode keep working; \
            writes answer 503). [env: MORSE_READY_WITHOUT_DATABASE=1]
            """)
    var readyWithoutDatabase = false

    @Option(help: "trace, debug, info, notice, warning, error or critical. [env: MORSE_LOG_LEVEL] (default: info)")
    var logLevel: String?

    func validate() throws {
        _ = try makeConfiguration()
        if let level = value(logLevel, "MORSE_LOG_LEVEL"), Logger.Level(rawValue: level) == nil {
            throw ValidationError("unknown log level '\(level)'")
        }
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "morse-worker")
        logger.logLevel = value(logLevel, "MORSE_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        logger[metadataKey: "worker"] = .string(configuration.name)
        let metrics = WorkerMetrics()
        // Libraries' metrics (the server's, the pool's) go to the same registry /metrics shows.
        MetricsSystem.bootstrap(metrics.metricsFactory)
        try await Worker.run(configuration: configuration, logger: logger, metrics: metrics)
    }

    func makeConfiguration() throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        if let host = value(host, "MORSE_HOST") { configuration.host = host }
        if let port = try number(port, "MORSE_PORT", "port", in: 0...65535) { configuration.port = port }
        if let name = value(name, "MORSE_NAME") {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ValidationError("--name must be printable ASCII without spaces")
            }
            configuration.name = name
        }
        if let database = value(database, "MORSE_DATABASE") {
            do {
                configuration.database = try StoreLocation(parsing: database)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let seconds = try number(drainSeconds, "MORSE_DRAIN_SECONDS", "drain-seconds", in: 0...600) {
            configuration.drainPeriod = .seconds(seconds)
        }
        if let limit = try number(bodyLimit, "MORSE_BODY_LIMIT", "body-limit", in: 1024...(64 << 20)) {
            configuration.bodyLimit = limit
        }
        if let limit = try number(
            audioUploadLimit, "MORSE_AUDIO_UPLOAD_LIMIT", "audio-upload-limit", in: (64 << 10)...(256 << 20))
        {
            configuration.audioUploadLimit = limit
        }
        if let seconds = try number(maxAudioSeconds, "MORSE_MAX_AUDIO_SECONDS", "max-audio-seconds", in: 1...3600) {
            configuration.maxAudioLength = .seconds(seconds)
        }
        if let seconds = try number(alphabetRefresh, "MORSE_ALPHABET_REFRESH", "alphabet-refresh", in: 0.05...4) {
            configuration.alphabetRefreshInterval = .seconds(seconds)
        }
        if let seconds = try number(storeTimeout, "MORSE_STORE_TIMEOUT", "store-timeout", in: 0.1...60) {
            configuration.storeTimeout = .seconds(seconds)
        }
        let envReady = value(nil, "MORSE_READY_WITHOUT_DATABASE")
        configuration.readinessRequiresDatabase = !(readyWithoutDatabase || envReady == "1" || envReady == "true")
        return configuration
    }

    /// The flag's value, else the environment's, else nil.
    private func value(_ flag: String?, _ variable: String) -> String? {
        if let flag { return flag }
        guard let raw = getenv(variable) else { return nil }
        return String(cString: raw)
    }

    private func number<Value: LosslessStringConvertible & Comparable>(
        _ flag: Value?, _ variable: String, _ option: String, in range: ClosedRange<Value>
    ) throws -> Value? {
        var parsed = flag
        if parsed == nil, let text = value(nil, variable) {
            guard let number = Value(text) else { throw ValidationError("\(variable)='\(text)' is not a number") }
            parsed = number
        }
        if let parsed, !range.contains(parsed) {
            throw ValidationError("--\(option) must be within \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }
}
