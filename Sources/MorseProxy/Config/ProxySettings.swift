extension ProxySetting {
    /// Every setting, in the order of `--help` and docs/proxy.md. Adding one is an entry here and its stored
    /// property, whose initial value is the default, in `ProxyConfig`: the file key, the flag, `--help` and
    /// reloads follow; `SettingsTableTests` then fails until docs/proxy.md's table is regenerated
    /// (`MORSE_UPDATE_DOCS=1 swift test --filter SettingsTableTests`).
    public static let all: [ProxySetting] = [
        ProxySetting(
            "listen", \.listen, .address, help: "Address to serve clients on.",
            doc: "address clients connect to", reload: .needsRestart),
        ProxySetting(
            "admin", \.admin, .addressOrOff,
            help: "Admin API address, `off` to disable it. Beyond loopback it needs --admin-token.",
            doc: "admin API address, `off` to disable. Beyond loopback, `admin-token` is required",
            reload: .needsRestart),
        ProxySetting(
            "admin-token", \.adminToken, .secret,
            help: "Bearer token the admin API requires (Authorization: Bearer …).",
            doc: "bearer token the admin API requires (`Authorization: Bearer <token>`)"),
        ProxySetting(
            "backend", \.backends, .list(.backend),
            help: "A backend, repeatable, in rotation order; when given, replaces the file's backend list.",
            doc: "`NAME HOST:PORT` (flag: `NAME=HOST:PORT`), repeatable, order = rotation order. Names: letters, "
                + "digits, `-_.`"),
        ProxySetting(
            "health-path", \.healthPath, .urlPath, help: "Path of the active health check: GET, expects 2xx.",
            doc: "active check: `GET` on this path, a 2xx passes"),
        ProxySetting(
            "health-interval", \.healthIntervalMs, .duration, help: "Time between health checks; 0 disables checks.",
            doc: "time between checks per backend; `0` disables checks (backends are then always up)"),
        ProxySetting(
            "health-timeout", \.healthTimeoutMs, .duration,
            help: "Timeout of one health check; at most the interval.",
            doc: "a check not answered in time fails; must not exceed the interval"),
        ProxySetting(
            "rise", \.rise, .integer(1...100), help: "Consecutive passed checks that bring a down backend up."),
        ProxySetting(
            "fall", \.fall, .integer(1...100),
            help: "Consecutive failed checks, or consecutive errors of live traffic, that take an up backend down.",
            doc: "consecutive failed checks, or consecutive errors of live traffic (counted apart), that take an up "
                + "backend down"),
        ProxySetting(
            "initial-state", \.initialState, .choice,
            help: "State before a backend's first check answered (the listener waits for the first checks).",
            doc: "state before the first check answered (see below)"),
        ProxySetting(
            "retries", \.retries, .integer(0...10),
            help: "Extra attempts after a failed one, each on another backend when one is left."),
        ProxySetting(
            "max-connections", \.maxConnections, .integer(1...1_000_000),
            help: "Open client connections at most; accept pauses beyond (no busy loop)."),
        ProxySetting(
            "max-header-bytes", \.maxHeaderBytes, .size,
            help: "Request line + headers, 1KiB to 1MiB; beyond: 431.", doc: "request line + headers; beyond: `431`"),
        ProxySetting(
            "max-header-count", \.maxHeaderCount, .integer(1...1000),
            help: "Header fields per request at most; beyond: 431.", doc: "header fields per request; beyond: `431`"),
        ProxySetting(
            "max-body-bytes", \.maxBodyBytes, .size,
            help: "Request body (Content-Length or chunked total) at most; beyond: 413 naming the limit.",
            doc: "request body (Content-Length or chunked total); beyond: `413` naming the limit. Every shipped "
                + "configuration sets `8MiB`, the workers' audio upload limit (`morse-worker --audio-upload-limit`)"),
        ProxySetting(
            "client-header-timeout", \.clientHeaderTimeoutMs, .duration,
            help: "Time from a request's first byte to the end of its head; beyond: 408 and close.",
            doc: "time from a request's first byte to the end of its head; beyond: `408` and close (slowloris)"),
        ProxySetting(
            "client-idle-timeout", \.clientIdleTimeoutMs, .duration,
            help: "Idle keep-alive client connections close after this; also the limit for a client that stops "
                + "reading.",
            doc: "idle keep-alive client connection closes; also the limit for a client that stops reading"),
        ProxySetting(
            "client-body-timeout", \.clientBodyTimeoutMs, .duration,
            help: "Silence allowed while a request body arrives; beyond: 408.",
            doc: "silence allowed while a request body arrives; beyond: `408`"),
        ProxySetting(
            "client-body-min-rate", \.clientBodyMinRate, .byteRate,
            help: "Average bytes/s a request body must keep up once the body timeout has passed, else 408; 0: off.",
            doc: "bytes/s a body must average: each 500 bytes received extends the body's time beyond "
                + "`client-body-timeout` by 1 s, so a byte-a-minute trickle gets `408` (`0`: off)"),
        ProxySetting(
            "backend-connect-timeout", \.backendConnectTimeoutMs, .duration,
            help: "Connect to a backend; a timeout counts as a failure and is retried."),
        ProxySetting(
            "backend-response-timeout", \.backendResponseTimeoutMs, .duration,
            help: "Backend silence allowed before and during a response; before the head: 504.",
            doc: "backend silence before and during a response; before the head: `504`"),
        ProxySetting(
            "pool-idle-timeout", \.poolIdleTimeoutMs, .duration,
            help: "Idle pooled backend connections close after this; keep it below the backends' keep-alive timeout.",
            doc: "idle pooled upstream connections close; keep it **below** the workers' keep-alive timeout"),
        ProxySetting(
            "pool-max-idle", \.poolMaxIdle, .integer(0...10_000),
            help: "Idle pooled connections kept per backend (active ones are not capped).",
            doc: "idle pooled connections kept per backend (busy ones are capped by `backend-max-connections`)"),
        ProxySetting(
            "backend-max-connections", \.backendMaxConnections, .integer(0...100_000),
            help: "Requests in flight to one backend at most; more wait in a FIFO queue. 0: no limit.",
            doc: "requests in flight to one backend at most; more wait in one FIFO queue for the first free "
                + "backend (HAProxy's per-server `maxconn`). `0`: no limit"),
        ProxySetting(
            "backend-queue-timeout", \.backendQueueTimeoutMs, .duration,
            help: "How long a request may wait in that queue; beyond: 503 with Retry-After.",
            doc: "how long a request may wait in that queue; beyond: `503` with `Retry-After: 1`"),
        ProxySetting(
            "grace-period", \.gracePeriodMs, .duration, help: "How long SIGTERM waits for in-flight requests."),
        ProxySetting(
            "quiesce-idle-grace", \.quiesceIdleGraceMs, .duration,
            help: "While stopping, an idle keep-alive connection closes once idle this long (requests sooner get "
                + "Connection: close).",
            doc: "while stopping, an idle keep-alive connection is closed once it has been idle this long; a "
                + "request sent sooner is answered with `Connection: close` instead of racing the close"),
        ProxySetting(
            "upgrade-socket", \.upgradeSocket, .socketPathOrOff,
            help: "Unix socket where a new morse-proxy (--take-over) takes the listening sockets over; off: none.",
            doc: "Unix socket on which the proxy hands its listening sockets and backend states to a new process "
                + "started with `--take-over` (binary upgrade, see below); `off`: none",
            reload: .needsRestart),
        ProxySetting(
            "access-log", \.accessLog, .accessLog,
            help: "Access log: stdout, off, or a file path (appended; reopened on SIGHUP).",
            doc: "`stdout`, `off`, or a file path (appended; reopened on SIGHUP for rotation)"),
    ]
}
