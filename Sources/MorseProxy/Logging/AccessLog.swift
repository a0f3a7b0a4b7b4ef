import CLibevent
import Glibc
import Logging

/// One JSON object per request, buffered and written in blocks (on a size threshold and once a second), so
/// logging costs no syscall per request.
final class AccessLog {
    private(set) var isEnabled: Bool
    private var fd: Int32 = -1
    private var ownsFD = false
    private var buffer = ByteBuffer(capacity: 256 * 1024)
    private static let flushThreshold = 192 * 1024

    init(target: ProxyConfig.AccessLogTarget) {
        isEnabled = false
        open(target)
    }

    deinit {
        flush()
        if ownsFD { close(fd) }
        buffer.deallocate()
    }

    /// (Re)opens the target; called again on reload so rotated files are picked up.
    func open(_ target: ProxyConfig.AccessLogTarget) {
        flush()
        if ownsFD { close(fd) }
        ownsFD = false
        switch target {
        case .off:
            isEnabled = false
        case .stdout:
            fd = 1
            isEnabled = true
        case .file(let path):
            fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            ownsFD = fd >= 0
            isEnabled = fd >= 0
        }
    }

    func flush() {
        while buffer.readable > 0 && fd >= 0 {
            let count = CLibevent.write(fd, buffer.readPointer, buffer.readable)
            if count <= 0 { break }
            buffer.consume(count)
        }
        buffer.clear()
    }

    func write(
        client: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer,
        status: Int, bytes: Int, backend: String?, retries: Int, totalMicroseconds: Int, backendMicroseconds: Int,
        requestID: UnsafeRawBufferPointer
    ) {
        if buffer.writableTail < 2048 { flush() }
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        buffer.append("{\"ts\":")
        buffer.appendDecimal(Int(spec.tv_sec))
        buffer.append(".")
        let millis = Int(spec.tv_nsec) / 1_000_000
        if millis < 100 { buffer.append("0") }
        if millis < 10 { buffer.append("0") }
        buffer.appendDecimal(millis)
        buffer.append(",\"client\":\"")
        appendEscaped(client)
        buffer.append("\",\"method\":\"")
        appendEscaped(method)
        buffer.append("\",\"path\":\"")
        appendEscaped(target)
        buffer.append("\",\"status\":")
        buffer.appendDecimal(status)
        buffer.append(",\"bytes\":")
        buffer.appendDecimal(bytes)
        buffer.append(",\"backend\":")
        if let backend {
            buffer.append("\"")
            buffer.append(backend)
            buffer.append("\"")
        } else {
            buffer.append("null")
        }
        buffer.append(",\"retries\":")
        buffer.appendDecimal(retries)
        buffer.append(",\"total_us\":")
        buffer.appendDecimal(totalMicroseconds)
        buffer.append(",\"backend_us\":")
        buffer.appendDecimal(backendMicroseconds)
        buffer.append(",\"request_id\":\"")
        appendEscaped(requestID)
        buffer.append("\"}\n")
        if buffer.readable > Self.flushThreshold { flush() }
    }

    /// JSON string escaping; bytes outside printable ASCII are written as \u00XX so a hostile path can never
    /// break the line structure or the JSON.
    private func appendEscaped(_ bytes: UnsafeRawBufferPointer) {
        let hex: StaticString = "0123456789abcdef"
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C {
                var value = byte
                buffer.append(&value, 1)
            } else {
                var escape: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
                    0x5C, 0x75, 0x30, 0x30, hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)]
                )
                _ = withUnsafeBytes(of: &escape) { buffer.append($0.baseAddress!, 6) }
            }
        }
    }
}
