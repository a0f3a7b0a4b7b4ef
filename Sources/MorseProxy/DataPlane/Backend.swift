import CLibevent

/// One backend: its address, health, operator state, idle connection pool and counters. Survives reloads
/// (matched by name), which is how drain and maint survive them.
final class Backend {
    let name: String
    var address: HostPort
    var sockaddr: sockaddr_storage
    var sockaddrLength: socklen_t
    /// Stable small number for the retry bitmask.
    let id: Int
    var health: HealthMachine
    /// When `health` last changed between up and down (coarse monotonic ms), for the log line of the next change.
    var healthSinceMs: Int64
    var adminState: AdminState = .enabled
    /// Removed by a reload: takes no new requests, goes away when its in-flight ones are done.
    var removed = false
    var inFlight = 0
    var stats = BackendStats()
    /// LIFO so the most recently used (warmest) connection is reused first and extras age out.
    var idle: [UpstreamConnection] = []
    var lastCheckStatus = 0
    var lastCheckLatencyMs = 0.0
    var lastCheckError = ""
    var probe: HealthProbe?
    /// Bumped when the address changes so pooled connections to the old address are not reused.
    var generation = 0

    init(spec: BackendSpec, id: Int, health: HealthMachine, since: Int64) {
        name = spec.name
        address = spec.address
        (sockaddr, sockaddrLength) = Sockets.address(spec.address)!
        self.id = id
        self.health = health
        healthSinceMs = since
        idle.reserveCapacity(64)
    }

    /// Takes traffic: healthy, enabled, still configured.
    @inline(__always) var isEligible: Bool { health.isUp && adminState == .enabled && !removed }

    /// Below `backend-max-connections` (`limit` 0: no limit).
    @inline(__always) func hasRoom(_ limit: Int) -> Bool { limit == 0 || inFlight < limit }

    var state: BackendState {
        switch adminState {
        case .maint: return .maint
        case .draining: return .draining
        case .enabled: return health.isUp ? .up : .down
        }
    }

    func updateAddress(_ address: HostPort) {
        self.address = address
        (sockaddr, sockaddrLength) = Sockets.address(address)!
        generation += 1
    }
}
