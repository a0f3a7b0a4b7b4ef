/// A backend as configured: its name (in metrics, logs and admin URLs) and its address.
struct BackendSpec: Sendable, Equatable {
    var name: String
    var address: HostPort
}
