import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A response as the tests see it: status, headers in order, body.
public struct TestResponse {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum TestError: Error, CustomStringConvertible {
    case io(String)

    public var description: String {
        switch self {
        case .io(let message): return message
        }
    }
}

/// A blocking HTTP/1.1 client on a plain loopback socket, for tests that need what a library client hides: raw
/// or malformed bytes, pipelining, half-closes, reading a response slowly, or talking to a process that is
/// shutting down. Its response reader is deliberately small: the server under test is what must be right, the
/// tests only need Content-Length, chunked and close-delimited bodies.
public final class RawConnection {
    public let fd: Int32
    private var pending: [UInt8] = []

    /// `receiveBuffer` shrinks the socket's window, so that the server waits for the reader and the response
    /// stays in flight. A read waits at most `timeoutSeconds`.
    public init(port: some BinaryInteger, receiveBuffer: Int32? = nil, timeoutSeconds: Int = 10) throws {
        signal(SIGPIPE, SIG_IGN)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError.io("socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // No close here on failure: a class whose stored properties are set runs its deinit even when its init
        // throws, and a second close could hit a descriptor the server has reused meanwhile.
        guard result == 0 else { throw TestError.io("connect to \(port): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Writes all of `text`; false when the peer stopped taking bytes (closed or reset).
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// Up to `maximum` bytes; empty at the end of the stream, on an error or when the read timed out.
    public func receive(maximum: Int = 65536) -> [UInt8] {
        if !pending.isEmpty {
            let chunk = Array(pending.prefix(maximum))
            pending.removeFirst(chunk.count)
            return chunk
        }
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, maximum) }
        return count > 0 ? Array(buffer[0..<count]) : []
    }

    /// Reads one response (skipping interim 1xx ones). `headRequest` responses have no body.
    public func readResponse(headRequest: Bool = false) throws -> TestResponse {
        while true {
            var response = try readHead()
            if response.status < 200 { continue }
            if headRequest || response.status == 204 || response.status == 304 { return response }
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

    /// Reads a response's head only, for a body the test reads itself with `receive`: the status (0 when none
    /// came), the headers by lower-cased name, and the body bytes already read past the head.
    public func receiveHead() -> (status: Int, headers: [String: String], rest: [UInt8]) {
        guard let head = try? readHead() else { return (0, [:], []) }
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        let rest = pending
        pending = []
        return (head.status, headers, rest)
    }

    /// True when bytes (or EOF) can be read now, without waiting.
    public func hasDataWaiting() -> Bool {
        if !pending.isEmpty { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// True when the peer closed (EOF) within the receive timeout.
    public func isClosedByPeer() -> Bool {
        if !pending.isEmpty { return false }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 0
    }

    private func readHead() throws -> TestResponse {
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
        return TestResponse(status: status, headers: headers, body: [])
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
}

/// One GET on a fresh connection; its response.
public func request(port: some BinaryInteger, _ path: String, headers: [(String, String)] = []) throws -> TestResponse {
    try request(port: port, "GET", path, headers: headers)
}

/// One request on a fresh connection; its response.
public func request(
    port: some BinaryInteger, _ method: String, _ path: String, headers: [(String, String)] = [], body: String = ""
) throws -> TestResponse {
    let connection = try RawConnection(port: port)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
    head += "\r\n" + body
    guard connection.send(head) else { throw TestError.io("the server closed before the request was sent") }
    return try connection.readResponse(headRequest: method == "HEAD")
}

/// `GET path` with `Connection: close`: the status, the headers by lower-cased name, and the body as text.
public func rawGet(
    port: Int, _ path: String, headers: [String: String] = [:]
) throws -> (status: Int, headers: [String: String], body: String) {
    let response = try request(
        port: port, path, headers: headers.map { ($0.key, $0.value) } + [("Connection", "close")])
    var byName: [String: String] = [:]
    for (name, value) in response.headers { byName[name.lowercased()] = value }
    return (response.status, byName, response.text)
}

/// Runs blocking work on its own thread, so it holds no thread of the concurrency pool.
public func onThread<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}
