import ArgumentParser
import MorseCode

/// Codes an argument, or standard input in pieces of whole lines, writing standard output as it goes.
/// Positions in messages count characters from the start of the whole input and are also given as line:column.
struct StreamCoder {
    typealias Code = (
        _ input: UnsafeBufferPointer<UInt8>, _ lenient: Bool, _ positionBase: Int, _ output: MorseOutput,
        _ problems: inout [MorseError]
    ) throws(MorseError) -> Int

    static let pieceSize = 1 << 20

    let name: String
    let lenient: Bool
    let code: Code
    /// Reused for every piece: its memory is touched once, not once per megabyte.
    let output = MorseOutput()

    func run(argument: String?) throws {
        var locator = Locator()
        if let argument {
            try (Array(argument.utf8) + [Bytes.newline]).withUnsafeBufferPointer {
                try codePiece($0, locator: &locator)
            }
            return
        }
        // One buffer for the whole stream: read after what is left, code up to the last line break in place, and
        // move the unfinished line to the front. No copy of the data but that one line.
        var buffer = [UInt8](repeating: 0, count: StreamCoder.pieceSize)
        var filled = 0
        while true {
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let count = try StandardStreams.read(into: &buffer, from: filled)
            if count == 0 { break }
            filled += count
            guard let lastBreak = buffer[..<filled].lastIndex(of: Bytes.newline) else { continue }
            try buffer.withUnsafeBufferPointer {
                try codePiece(UnsafeBufferPointer(rebasing: $0[...lastBreak]), locator: &locator)
            }
            let rest = filled - (lastBreak + 1)
            if rest > 0 {
                buffer.withUnsafeMutableBytes {
                    $0.baseAddress!.copyMemory(from: $0.baseAddress! + lastBreak + 1, byteCount: rest)
                }
            }
            filled = rest
        }
        if filled > 0 {
            try buffer.withUnsafeBufferPointer {
                try codePiece(UnsafeBufferPointer(rebasing: $0[..<filled]), locator: &locator)
            }
        }
    }

    private func codePiece(_ piece: UnsafeBufferPointer<UInt8>, locator: inout Locator) throws {
        output.removeAll()
        var problems: [MorseError] = []
        let characters: Int
        do {
            characters = try code(piece, lenient, locator.characters, output, &problems)
        } catch {
            try StandardStreams.write(output.written)
            throw CLIError("morse \(name): error: \(error)\(locator.lineAndColumn(of: error.position, in: piece))")
        }
        for problem in problems {
            StandardStreams.error(
                "morse \(name): warning: \(problem)\(locator.lineAndColumn(of: problem.position, in: piece))")
        }
        try StandardStreams.write(output.written)
        locator.advance(characters: characters, over: piece)
    }
}

/// Turns a character position into line and column for messages.
struct Locator {
    var characters = 0
    var lines = 0

    func lineAndColumn(of position: Int, in piece: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: piece, as: UTF8.self)
        var line = lines + 1
        var column = 1
        for (offset, character) in text.enumerated() {
            if characters + offset == position { return " (line \(line), column \(column))" }
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return ""
    }

    /// Moves past a piece the coder read `characters` characters of. Counting them again here would cost more
    /// than the coding itself (grapheme breaking), so the coder's count is taken and only line breaks are counted.
    mutating func advance(characters: Int, over piece: UnsafeBufferPointer<UInt8>) {
        self.characters += characters
        var count = 0
        for byte in piece where byte == Bytes.newline { count &+= 1 }
        lines += count
    }
}

enum Bytes {
    static let newline = UInt8(ascii: "\n")
}

/// A failure already worded for the user: printed as it is on standard error, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Runs `body`, turning a ``CLIError`` into its one line on standard error and exit status 1.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CLIError {
            StandardStreams.error(error.description)
            throw ExitCode.failure
        }
    }
}
