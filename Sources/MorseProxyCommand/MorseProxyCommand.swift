import ArgumentParser
import MorseProxy

#if canImport(Glibc)
import Glibc
#endif

@main
struct MorseProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morse-proxy",
        abstract: "HTTP/1.1 reverse proxy: round-robin over healthy backends, with retries, drain and metrics.",
        discussion: """
            Settings come from --config FILE (one `key value` per line, see docs/proxy.md), then from flags, \
            which override the file. Durations take a unit (500ms, 2s, 1m); sizes take bytes or k/MiB suffixes.
            Signals: SIGHUP reloads the config file (flags still override it); SIGTERM/SIGINT stop accepting, \
            let in-flight requests finish within --grace-period, then exit 0.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Config file to load (and to re-read on SIGHUP).", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Validate FILE (with any other flags applied), print the result, exit 0 or 1.", valueName: "file"))
    var checkConfig: String?

    @Option(
        name: .long, help: ArgumentHelp("Address to serve clients on (default 127.0.0.1:8080).", valueName: "host:port")
    )
    var listen: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A backend, repeatable; when given, replaces the file's backend list.", valueName: "name=host:port"))
    var backend: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Admin API address (default 127.0.0.1:8079; `off` disables it). Beyond loopback it needs --admin-token.",
            valueName: "host:port"))
    var admin: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Bearer token the admin API requires (Authorization: Bearer …).", valueName: "token"))
    var adminToken: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Path of the active health check, GET, expects 2xx (default /readyz).", valueName: "path"))
    var healthPath: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Time between health checks; 0 disables checks (default 2s).", valueName: "duration"))
    var healthInterval: String?

    @Option(name: .long, help: ArgumentHelp("Timeout of one health check (default 1s).", valueName: "duration"))
    var healthTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Consecutive passed checks that bring a down backend up (default 2).", valueName: "n"))
    var rise: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Consecutive failed checks or passive errors that take a backend down (default 3).", valueName: "n"))
    var fall: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "State before a backend's first check answers: up or down (default down; the listener waits for the first checks).",
            valueName: "state"))
    var initialState: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Extra attempts on other backends after a failed one (default 2).", valueName: "n"))
    var retries: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Open client connections at most; accept pauses beyond (default 10000).", valueName: "n"))
    var maxConnections: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Request line + headers size limit, answered 431 (default 16k).", valueName: "size"))
    var maxHeaderBytes: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Header fields per request at most, answered 431 (default 100).", valueName: "n"))
    var maxHeaderCount: String?

    @Option(name: .long, help: ArgumentHelp("Request body size limit, answered 413 (default 1MiB).", valueName: "size"))
    var maxBodyBytes: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Time to receive a request head, else 408 and close (default 10s).", valueName: "duration"))
    var clientHeaderTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Idle keep-alive client connections close after this (default 60s).", valueName: "duration"))
    var clientIdleTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Max silence while a request body arrives, else 408 (default 30s).", valueName: "duration"))
    var clientBodyTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Average bytes/s a request body must keep up after the body timeout, else 408; 0 = off (default 500).",
            valueName: "bytes"))
    var clientBodyMinRate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Backend connect timeout; counts as a failure and retries (default 1s).", valueName: "duration"))
    var backendConnectTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Max backend silence before and during a response, else 504 (default 30s).", valueName: "duration"))
    var backendResponseTimeout: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Idle pooled backend connections close after this; keep it below the backend's own (default 20s).",
            valueName: "duration"))
    var poolIdleTimeout: String?

    @Option(name: .long, help: ArgumentHelp("Idle pooled connections kept per backend (default 64).", valueName: "n"))
    var poolMaxIdle: String?

    @Option(
        name: .long,
        help: ArgumentHelp("How long SIGTERM waits for in-flight requests (default 30s).", valueName: "duration"))
    var gracePeriod: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Access log: stdout, off, or a file path (default stdout).", valueName: "target"))
    var accessLog: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Event log level on stderr: trace, debug, info, notice, warning, error.", valueName: "level")
    )
    var logLevel: String = "info"

    func run() throws {
        if let file = checkConfig {
            do {
                let loaded = try load(file: file)
                print("\(file): OK (\(loaded.backends.count) backends, listen \(loaded.listen))")
                return
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
        let loaded: ProxyConfig
        do { loaded = try load(file: config) } catch {
            printError("morse-proxy: \(error)")
            throw ExitCode(1)
        }
        let logger = ProxyLogging.makeLogger(level: logLevel)
        let file = config
        let overrides = self.overrides()
        let proxy = try Proxy(config: loaded, logger: logger) {
            try Self.loadConfig(file: file, overrides: overrides)
        }
        do { try proxy.run() } catch {
            printError("morse-proxy: \(error)")
            throw ExitCode(1)
        }
    }

    private func load(file: String?) throws -> ProxyConfig {
        try Self.loadConfig(file: file, overrides: overrides())
    }

    static func loadConfig(file: String?, overrides: [ConfigDirective]) throws -> ProxyConfig {
        var directives: [ConfigDirective] = []
        if let file {
            guard let text = readFile(file) else { throw ConfigError("cannot read config file", source: file) }
            directives = try ConfigFile.parse(text, source: file)
        }
        return try ConfigFile.build(file: directives, overrides: overrides, source: file)
    }

    /// Each flag given becomes a directive applied after the file's.
    func overrides() -> [ConfigDirective] {
        var list: [ConfigDirective] = []
        func add(_ key: String, _ value: String?) {
            if let value { list.append(ConfigDirective(key: key, value: value)) }
        }
        add("listen", listen)
        add("admin", admin)
        add("admin-token", adminToken)
        for entry in backend { add("backend", entry) }
        add("health-path", healthPath)
        add("health-interval", healthInterval)
        add("health-timeout", healthTimeout)
        add("rise", rise)
        add("fall", fall)
        add("initial-state", initialState)
        add("retries", retries)
        add("max-connections", maxConnections)
        add("max-header-bytes", maxHeaderBytes)
        add("max-header-count", maxHeaderCount)
        add("max-body-bytes", maxBodyBytes)
        add("client-header-timeout", clientHeaderTimeout)
        add("client-idle-timeout", clientIdleTimeout)
        add("client-body-timeout", clientBodyTimeout)
        add("client-body-min-rate", clientBodyMinRate)
        add("backend-connect-timeout", backendConnectTimeout)
        add("backend-response-timeout", backendResponseTimeout)
        add("pool-idle-timeout", poolIdleTimeout)
        add("pool-max-idle", poolMaxIdle)
        add("grace-period", gracePeriod)
        add("access-log", accessLog)
        return list
    }

    static func readFile(_ path: String) -> String? {
        guard let handle = fopen(path, "r") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func printError(_ message: String) {
        let line = message + "\n"
        _ = line.utf8.withContiguousStorageIfAvailable { write(2, $0.baseAddress, $0.count) }
    }
}
