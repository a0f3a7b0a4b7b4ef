import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A response as the tests see it: status, headers in order, body.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

enum TestError: Error, CustomStringConvertible {
    case io(String)
    var description: String {
        switch self {
        case .io(let message): return message
        }
    }
}

/// A blocking loopback TCP connection for the tests, with a deliberately small response reader: the proxy
/// under test is what must be right, the tests only need Content-Length, chunked and close-delimited bodies.
final class TestConnection {
    let fd: Int32
    private var pending: [UInt8] = []

    init(port: UInt16, receiveBuffer: Int32? = nil, timeoutSeconds: Int = 10) throws {
        signal(SIGPIPE, SIG_IGN)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError.io("socket") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestError.io("connect to \(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw TestError.io("write: \(String(cString: strerror(errno)))") }
            offset += count
        }
    }

    /// Reads up to `max` bytes; empty at EOF.
    func receive(max: Int = 65536) throws -> [UInt8] {
        if !pending.isEmpty {
            let chunk = Array(pending.prefix(max))
            pending.removeFirst(chunk.count)
            return chunk
        }
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, max) }
        if count < 0 { throw TestError.io("read: \(String(cString: strerror(errno)))") }
        return Array(buffer[0..<count])
    }

    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
        if count < 0 { throw TestError.io("read: \(String(cString: strerror(errno)))") }
        if count == 0 { return false }
        pending.append(contentsOf: buffer[0..<count])
        return true
    }

    private func readLine() throws -> String? {
        while true {
            if let index = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[0..<index])
                pending.removeFirst(index + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if try !fill() { return nil }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            if try !fill() { throw TestError.io("EOF inside body") }
        }
        let bytes = Array(pending[0..<count])
        pending.removeFirst(count)
        return bytes
    }

    /// Reads one response (skipping interim 1xx ones). `headRequest` responses have no body.
    func readResponse(headRequest: Bool = false) throws -> TestResponse {
        while true {
            guard let statusLine = try readLine() else { throw TestError.io("connection closed before a response") }
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let status = Int(parts[1]) else {
                throw TestError.io("bad status line '\(statusLine)'")
            }
            var headers: [(String, String)] = []
            while let line = try readLine(), !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append(
                    (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            var response = TestResponse(status: status, headers: headers, body: [])
            if status < 200 { continue }
            if headRequest || status == 204 || status == 304 { return response }
            if let length = response.header("Content-Length").flatMap(Int.init) {
                response.body = try readExactly(length)
            } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
                while true {
                    guard let sizeLine = try readLine(), let size = Int(sizeLine.split(separator: ";")[0], radix: 16)
                    else { throw TestError.io("bad chunk") }
                    if size == 0 {
                        while let trailer = try readLine(), !trailer.isEmpty {}
                        break
                    }
                    response.body += try readExactly(size)
                    _ = try readLine()
                }
            } else {
                while try fill() {}
                response.body = pending
                pending = []
            }
            return response
        }
    }

    /// True when bytes (or EOF) can be read now, without waiting.
    func hasDataWaiting() -> Bool {
        if !pending.isEmpty { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// True when the peer closed (EOF) within the receive timeout.
    func isClosedByPeer() -> Bool {
        if !pending.isEmpty { return false }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 0
    }
}

/// One-shot request helper.
func request(port: UInt16, _ path: String, headers: [(String, String)] = []) throws -> TestResponse {
    try request(port: port, "GET", path, headers: headers)
}

func request(
    port: UInt16, _ method: String, _ path: String, headers: [(String, String)] = [], body: String = ""
) throws -> TestResponse {
    let connection = try TestConnection(port: port)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
    head += "\r\n" + body
    try connection.send(head)
    return try connection.readResponse(headRequest: method == "HEAD")
}
