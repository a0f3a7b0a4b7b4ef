import Foundation

/// A blocking HTTP/1.1 client on a plain socket, for tests that need what a library client hides: reading a
/// response slowly, or talking to a process that is shutting down. Loopback only.
final class RawConnection {
    let fd: Int32

    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            // A small window makes the server wait for the reader: the response stays in flight.
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        // No close here on failure: a class whose stored properties are set runs its deinit even when its
        // init throws, and a second close could hit a descriptor the server has reused meanwhile.
        guard connected else {
            throw ShellError(command: "connect 127.0.0.1:\(port)", output: String(cString: strerror(errno)))
        }
    }

    deinit { Foundation.close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// Up to `maximum` bytes; empty at the end of the stream.
    func receive(maximum: Int = 65536) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, maximum, 0) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// Reads until the end of the headers; returns the status, the headers (lower-cased names) and the body
    /// bytes read past them.
    func receiveHead() -> (status: Int, headers: [String: String], rest: [UInt8]) {
        var data: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        while true {
            let chunk = receive(maximum: 4096)
            if chunk.isEmpty { return (0, [:], []) }
            data += chunk
            if let end = data.firstRange(of: separator) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                        in: .whitespaces)
                }
                return (status, headers, Array(data[end.upperBound...]))
            }
        }
    }
}

/// `GET path` with `Connection: close`; the status and the body.
func rawGet(
    port: Int, _ path: String, headers: [String: String] = [:]
) throws -> (status: Int, headers: [String: String], body: String) {
    let connection = try RawConnection(port: port)
    let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
    connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)Connection: close\r\n\r\n")
    let head = connection.receiveHead()
    var body = head.rest
    while true {
        let chunk = connection.receive()
        if chunk.isEmpty { break }
        body += chunk
    }
    return (head.status, head.headers, String(decoding: body, as: UTF8.self))
}

/// Runs blocking work on its own thread, so it holds no thread of the concurrency pool.
func onThread<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}
