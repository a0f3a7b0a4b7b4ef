#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered, large reads and writes on the standard streams: the CLI streams files of any size.
enum StandardStreams {
    /// Reads what is available into `buffer` from `offset` on; 0 at the end of input.
    static func read(into buffer: inout [UInt8], from offset: Int) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress! + offset, $0.count - offset) }
            if count >= 0 { return count }
            if errno != EINTR {
                throw CLIError("morse: error: cannot read standard input: \(String(cString: strerror(errno)))")
            }
        }
    }

    static func readAll(limit: Int) throws -> String {
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled <= limit {
            let count = try read(into: &bytes, from: filled)
            if count == 0 { return String(decoding: bytes[..<filled], as: UTF8.self) }
            filled += count
        }
        throw CLIError("morse: error: standard input is over \(limit) bytes")
    }

    static func write(_ bytes: [UInt8], to descriptor: Int32 = 1) throws {
        try bytes.withUnsafeBytes { try write($0, to: descriptor) }
    }

    static func write(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32 = 1) throws {
        guard buffer.count > 0 else { return }
        var written = 0
        while written < buffer.count {
            let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError("morse: error: cannot write: \(String(cString: strerror(errno)))")
            }
            written += count
        }
    }

    static func error(_ line: String) {
        try? write(Array((line + "\n").utf8), to: 2)
    }
}

/// A file or standard output.
final class OutputSink {
    private let descriptor: Int32
    private let path: String

    init(path: String) throws {
        self.path = path
        if path == "-" {
            descriptor = 1
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if descriptor < 0 {
                throw CLIError("morse: error: cannot open \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    func write(_ bytes: [UInt8]) throws { try StandardStreams.write(bytes, to: descriptor) }

    func close() throws {
        if descriptor != 1, Glibc.close(descriptor) != 0 {
            throw CLIError("morse: error: cannot close \(path): \(String(cString: strerror(errno)))")
        }
    }
}
