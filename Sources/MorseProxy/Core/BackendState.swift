/// Where a backend stands. `up` takes traffic; `down` failed its checks; `draining` and `maint` are set by an
/// operator through the admin API. Draining differs from maint only in intent (a drain waits for in-flight
/// requests to finish before a restart), both take no new requests and both survive a reload.
enum BackendState: String, Sendable, Equatable {
    case up
    case down
    case draining
    case maint
}

/// What an operator asked for. Kept apart from health so that enabling a backend that is failing checks
/// leaves it down instead of forcing traffic onto it.
enum AdminState: String, Sendable, Equatable {
    case enabled
    case draining
    case maint
}
