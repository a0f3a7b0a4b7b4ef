import ArgumentParser
import Foundation

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run a whole cluster on this machine.",
        subcommands: [ClusterUp.self]
    )
}

struct ClusterUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start morse-proxy in front of N morse-workers on loopback, supervised, until Ctrl-C.",
        discussion: """
            The workers share one embedded SQLite database in the state folder (not in the source tree). Each \
            process's output is prefixed with its name. A process that exits is started again (after 1 s, doubling \
            up to 10 s while it keeps failing). Ctrl-C or SIGTERM stops every process this started, gracefully, \
            then exits. SIGUSR2 upgrades the proxy without refusing a connection: a new process of the binary now \
            in --bin-dir takes the running one's listening sockets over, and the old one finishes its requests and \
            exits (docs/proxy.md, "Binary upgrade"); if the new one fails, the old one keeps serving.
            """
    )

    @Option(help: "Number of workers (web1, web2, ...).")
    var workers: Int = 2

    @Option(help: "Address every process listens on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port of the proxy, the cluster's front door.")
    var proxyPort: Int = 8080

    @Option(help: "Port of the first worker; the others follow it.")
    var workerPort: Int = 8081

    @Option(help: "Port of the proxy's admin listener (/status, /metrics, drain and enable).")
    var adminPort: Int = 9090

    @Option(
        help:
            "Folder for the database and run files. Default: $XDG_STATE_HOME/morse-cluster or ~/.local/state/morse-cluster."
    )
    var stateDir: String?

    @Option(help: "Database URL shared by the workers. Default: sqlite:<state-dir>/morse.sqlite.")
    var database: String?

    @Option(help: "Folder holding morse-worker and morse-proxy. Default: the folder of this morsectl.")
    var binDir: String?

    func validate() throws {
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64") }
        for (name, port) in [("proxy-port", proxyPort), ("worker-port", workerPort), ("admin-port", adminPort)] {
            guard (1...65535).contains(port) else { throw ValidationError("--\(name) must be 1...65535") }
        }
        guard workerPort + workers - 1 <= 65535 else { throw ValidationError("--worker-port leaves no room") }
        let used = [proxyPort, adminPort] + (0..<workers).map { workerPort + $0 }
        guard Set(used).count == used.count else {
            throw ValidationError("ports overlap: proxy \(proxyPort), admin \(adminPort), workers from \(workerPort)")
        }
    }

    func run() async throws {
        let state = URL(fileURLWithPath: stateDir ?? ClusterUp.defaultStateDir())
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let bin = URL(fileURLWithPath: binDir ?? ClusterUp.ownFolder())
        for tool in ["morse-worker", "morse-proxy"] {
            let path = bin.appendingPathComponent(tool).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ValidationError("\(path) not found: build it (swift build -c release) or pass --bin-dir")
            }
        }
        let databaseURL = database ?? "sqlite:" + state.appendingPathComponent("morse.sqlite").path
        var specs: [ProcessSpec] = []
        var backends: [String] = []
        for index in 1...workers {
            let name = "web\(index)"
            let port = workerPort + index - 1
            specs.append(
                ProcessSpec(
                    name: name, executable: bin.appendingPathComponent("morse-worker"),
                    arguments: [
                        "--host", host, "--port", "\(port)", "--name", name, "--database", databaseURL,
                        // Workers sharing one database stay in rotation through an outage: they code from cache
                        // and answer writes 503 (docs/operations.md).
                        "--ready-without-database",
                        // The supervisor stops the proxy before the workers, so a drain period would serve no one
                        // here and only delay Ctrl-C.
                        "--drain-seconds", "0",
                    ]))
            backends += ["--backend", "\(name)=\(host):\(port)"]
        }
        // Where a new proxy takes the running one's sockets over (SIGUSR2 to this command); a Unix socket path
        // holds at most 107 bytes, so a deep state folder falls back to the temporary one.
        var upgradeSocket = state.appendingPathComponent("proxy-upgrade.sock").path
        if upgradeSocket.utf8.count > 107 {
            upgradeSocket = NSTemporaryDirectory() + "morse-proxy-\(proxyPort)-upgrade.sock"
        }
        specs.append(
            ProcessSpec(
                name: "proxy", executable: bin.appendingPathComponent("morse-proxy"),
                arguments: ["--listen", "\(host):\(proxyPort)", "--admin", "\(host):\(adminPort)"] + backends
                    + ["--health-path", "/readyz", "--health-interval", "1s", "--rise", "2", "--fall", "2"]
                    + ["--upgrade-socket", upgradeSocket]
                    // The workers' audio upload limit (morse-worker --audio-upload-limit), not the proxy's 1 MiB.
                    + ["--max-body-bytes", "8MiB"],
                takeOverArguments: ["--take-over", upgradeSocket]))

        let supervisor = Supervisor(specs: specs)
        supervisor.start()
        let front = "http://\(host):\(proxyPort)"
        switch await supervisor.waitUntilReady(url: URL(string: front + "/healthz")!, timeout: 60) {
        case .ready:
            supervisor.log(
                """
                Morse cluster is up: proxy on \(front) in front of \(workers) workers, database \(databaseURL)
                  page:    \(front)/
                  API:     curl '\(front)/api/v1/encode?text=Hello%20World'
                  status:  curl http://\(host):\(adminPort)/status
                  upgrade the proxy to the binary now in \(bin.path): kill -USR2 \(getpid())
                  Ctrl-C stops it.
                """)
        case .timedOut:
            supervisor.log("the proxy did not answer \(front)/healthz within 60 s; still trying (Ctrl-C stops)")
        case .stopping:
            break
        }
        await supervisor.waitForShutdown()
    }

    static func defaultStateDir() -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_STATE_HOME"] ?? (NSHomeDirectory() + "/.local/state")
        return base + "/morse-cluster"
    }

    static func ownFolder() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}
