import CLibevent
import Glibc

/// The Unix socket of the hand-over: `SOCK_SEQPACKET`, so each message arrives whole and alone, and descriptors
/// travel with a message (`SCM_RIGHTS`).
enum UnixSocket {
    /// `sun_path` holds 108 bytes with its terminating zero.
    static let maxPathBytes = 107

    /// Listens at `path`, replacing whatever is there in one step: the socket is bound under a temporary name
    /// beside it and renamed over it, so a successor looking for `path` always finds a socket, never none.
    /// Readable and writable by the owner only: whoever connects gets the proxy's listening sockets.
    static func listen(path: String) throws(Sockets.Failure) -> Int32 {
        let temporary = "\(path).\(getpid()).new"
        let fd = try bound(to: temporary)
        chmod(temporary, 0o600)
        guard Glibc.listen(fd, 4) == 0 else { throw failure("listen \(path)", closing: fd, unlinking: temporary) }
        guard rename(temporary, path) == 0 else {
            throw failure("rename to \(path)", closing: fd, unlinking: temporary)
        }
        return fd
    }

    /// Connects to `path`, blocking; sends and receives on the returned socket time out after `timeoutMs`.
    static func connect(path: String, timeoutMs: Int) throws(Sockets.Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Sockets.Failure(call: "socket", code: errno) }
        var timeout = timeval(tv_sec: timeoutMs / 1000, tv_usec: (timeoutMs % 1000) * 1000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
        guard case (var address, let length)? = try? socketAddress(path) else {
            close(fd)
            throw Sockets.Failure(call: "path \(path)", code: ENAMETOOLONG)
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard connected == 0 else { throw failure("connect \(path)", closing: fd) }
        return fd
    }

    /// Sends `text` as one message, with `fds` attached.
    static func send(_ fd: Int32, _ text: String, fds: [Int32] = []) throws(Sockets.Failure) {
        var bytes = Array(text.utf8)
        let sent = bytes.withUnsafeMutableBytes { buffer in
            fds.withUnsafeBufferPointer {
                morse_send_with_fds(fd, buffer.baseAddress, buffer.count, $0.baseAddress, Int32($0.count))
            }
        }
        guard sent == bytes.count else { throw Sockets.Failure(call: "sendmsg", code: sent < 0 ? errno : EMSGSIZE) }
    }

    /// One message and the descriptors that came with it; an empty text means the peer closed the socket.
    static func receive(_ fd: Int32, maxBytes: Int) throws(Sockets.Failure) -> (text: String, fds: [Int32]) {
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        var fds = [Int32](repeating: -1, count: Int(MORSE_MAX_PASSED_FDS))
        var count = Int32(fds.count)
        let received = bytes.withUnsafeMutableBytes { buffer in
            fds.withUnsafeMutableBufferPointer {
                morse_receive_with_fds(fd, buffer.baseAddress, maxBytes, $0.baseAddress, &count)
            }
        }
        guard received >= 0 else { throw Sockets.Failure(call: "recvmsg", code: errno) }
        return (String(decoding: bytes[..<received], as: UTF8.self), Array(fds[..<Int(count)]))
    }

    private static func bound(to path: String) throws(Sockets.Failure) -> Int32 {
        guard case (var address, let length)? = try? socketAddress(path) else {
            throw Sockets.Failure(call: "path \(path)", code: ENAMETOOLONG)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Sockets.Failure(call: "socket", code: errno) }
        unlink(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else { throw failure("bind \(path)", closing: fd) }
        return fd
    }

    private struct PathTooLong: Error {}

    private static func socketAddress(_ path: String) throws -> (sockaddr_un, socklen_t) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maxPathBytes else { throw PathTooLong() }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = MemoryLayout<sa_family_t>.size + bytes.count + 1
        return (address, socklen_t(length))
    }

    private static func failure(_ call: String, closing fd: Int32, unlinking path: String? = nil) -> Sockets.Failure {
        let code = errno
        close(fd)
        if let path { unlink(path) }
        return Sockets.Failure(call: call, code: code)
    }
}
