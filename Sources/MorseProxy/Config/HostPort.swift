struct HostPort: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var port: UInt16

    var description: String { "\(host):\(port)" }

    /// True for addresses only this machine can reach, which is what lets the admin API go without a token.
    var isLoopback: Bool {
        host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
