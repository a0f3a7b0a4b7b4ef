import CLibevent
import Glibc

/// Tells systemd about the proxy's state (`sd_notify`): `READY=1` when it serves, and `MAINPID=` when a new process
/// took over from the old one, so that systemd follows the process that now serves. Without `NOTIFY_SOCKET`
/// (not started by systemd, or not `Type=notify`) it does nothing.
///
/// The protocol is one datagram to a Unix socket, documented as stable by systemd (sd_notify(3)); writing it here
/// keeps libsystemd out of a binary that must run where systemd is not PID 1 too.
enum ServiceManager {
    static func notify(_ state: String) {
        guard let target = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !target.isEmpty else { return }
        var path = Array(target.utf8)
        // "@name" is an abstract socket: its first byte is a zero.
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        guard path.count < 108 else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        var bytes = Array(state.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeMutableBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
    }
}
