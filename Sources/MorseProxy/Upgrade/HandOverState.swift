/// What a running proxy tells the process that takes over from it, besides the listening sockets themselves (those
/// travel as `SCM_RIGHTS` ancillary data of the same message): who it is, which descriptor is which socket, and
/// each backend's operator state and health, so that a drained worker stays drained and a failed one gets no
/// traffic before the new process has checked it.
///
/// Lines of text, so that two different versions of the binary can read each other: a line the reader does not
/// know is skipped, a missing one takes its default. Pure: no I/O.
struct HandOverState: Sendable, Equatable {
    static let magic = "morse-proxy-handover 1"
    /// A message larger than this is refused (the reader's buffer); 200 backends fit many times over.
    static let maxBytes = 65_536

    enum Role: String, Sendable {
        case listener
        case admin
    }

    struct Socket: Sendable, Equatable {
        var role: Role
        var address: HostPort
    }

    struct BackendEntry: Sendable, Equatable {
        var name: String
        var adminState: AdminState
        var healthy: Bool
    }

    var version: String
    var pid: Int32
    /// In the order of the descriptors that come with the message.
    var sockets: [Socket]
    var backends: [BackendEntry]

    func render() -> String {
        var lines = [Self.magic, "version \(version)", "pid \(pid)"]
        for socket in sockets { lines.append("socket \(socket.role.rawValue) \(socket.address)") }
        for backend in backends {
            lines.append("backend \(backend.name) \(backend.adminState.rawValue) \(backend.healthy ? "up" : "down")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws(ParseError) -> HandOverState {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard lines.next() == Substring(magic) else {
            throw ParseError(description: "not a morse-proxy hand-over message (first line is not \"\(magic)\")")
        }
        var state = HandOverState(version: "unknown", pid: 0, sockets: [], backends: [])
        while let line = lines.next() {
            let words = line.split(separator: " ")
            switch (words.first, words.count) {
            case ("version", 2):
                state.version = String(words[1])
            case ("pid", 2):
                guard let pid = Int32(words[1]) else { throw ParseError(description: "bad pid line: \(line)") }
                state.pid = pid
            case ("socket", 3):
                guard let role = Role(rawValue: String(words[1])), let address = Self.hostPort(words[2]) else {
                    throw ParseError(description: "bad socket line: \(line)")
                }
                state.sockets.append(Socket(role: role, address: address))
            case ("backend", 4):
                guard let adminState = AdminState(rawValue: String(words[2])), words[3] == "up" || words[3] == "down"
                else { throw ParseError(description: "bad backend line: \(line)") }
                state.backends.append(
                    BackendEntry(name: String(words[1]), adminState: adminState, healthy: words[3] == "up"))
            default:
                continue
            }
        }
        return state
    }

    /// The new process's one answer, once it serves: `ready PID VERSION`. Anything else (or nothing: the socket
    /// closed) means it failed.
    struct Ready: Sendable, Equatable {
        var pid: Int32
        var version: String

        func render() -> String { "ready \(pid) \(version)" }

        static func parse(_ text: String) -> Ready? {
            let words = text.split(separator: " ")
            guard words.count == 3, words[0] == "ready", let pid = Int32(words[1]), pid > 0 else { return nil }
            return Ready(pid: pid, version: String(words[2]))
        }
    }

    /// `host:port`, the host an IPv4 literal or a bracketless IPv6 one (as `HostPort.description` writes it).
    private static func hostPort(_ word: Substring) -> HostPort? {
        guard let colon = word.lastIndex(of: ":"), let port = UInt16(word[word.index(after: colon)...]) else {
            return nil
        }
        let host = word[..<colon]
        guard !host.isEmpty else { return nil }
        return HostPort(host: String(host), port: port)
    }
}
