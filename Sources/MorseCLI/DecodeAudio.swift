import ArgumentParser
import FoundationEssentials
import MorseCode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct DecodeAudio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-audio",
        abstract: "Decode Morse from a recording: a PCM WAV file (mono, 8000-48000 Hz) to text.",
        discussion: """
            The decoder finds the tone (300-1200 Hz) by itself and learns the sender's speed and spacing as it
            goes: machine-sent, Farnsworth and hand-keyed Morse alike. The file is read as it arrives, in constant
            memory, so a pipe works and text appears while a long recording is still being read (about a second
            behind the sound). Characters with no code in the alphabet come out as # followed by the code heard.

            WAV: RIFF/WAVE with the 'fmt ' chunk before the 'data' chunk; 8-bit unsigned, 16, 24 or 32-bit integer,
            or 32/64-bit float samples; one channel; at least 0.1 s long. Convert others with sox, e.g.
              sox in.mp3 -c 1 -r 8000 out.wav

            Examples:
              morse decode-audio cq.wav                      CQ CQ DE F4XYZ
              morse audio "SOS" --output - | morse decode-audio -
              morse decode-audio cq.wav --json               text, speed, pitch and per-character detail
            """
    )

    @Argument(help: "The WAV file, or - for standard input.")
    var file: String

    @Flag(
        help: """
            Print one JSON object: text, wpm (character speed), farnsworthWPM (overall speed its letter gaps imply), \
            pitchHz, durationSeconds, and characters (text, code, startSeconds, confidence 0-1).
            """)
    var json = false

    func run() throws { try reportingErrors(runUnchecked) }

    func runUnchecked() throws {
        let input = try InputFile(path: file)
        defer { input.close() }
        var decoder = WAVMorseDecoder()
        var printer = TextPrinter()
        var characters: [DecodedCharacter] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        do {
            while true {
                let count = try input.read(into: &buffer)
                if count == 0 { break }
                let heard = try buffer.withUnsafeBytes { (bytes) throws(WAVError) in
                    try decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[..<count]))
                }
                if json { characters += heard } else { try printer.print(heard) }
            }
            let last = try decoder.finish()
            if json { characters += last } else { try printer.print(last) }
        } catch let error as WAVError {
            throw CLIError("morse decode-audio: error: \(input.name): \(error)")
        }
        let audio = decoder.result(characters)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try StandardStreams.write(Array(try encoder.encode(audio)) + [UInt8(ascii: "\n")])
        } else {
            try printer.end()
        }
        if audio.pitchHz == nil {
            StandardStreams.error(
                "morse decode-audio: warning: \(input.name): no Morse tone found in "
                    + "\((decoder.durationSeconds * 10).rounded() / 10) s of sound")
        }
    }
}

/// The text as it is heard, holding back word spaces until a character follows (the text never ends in a space).
private struct TextPrinter {
    private var spaces = 0
    private var printed = false

    mutating func print(_ characters: [DecodedCharacter]) throws {
        var text = ""
        for character in characters {
            if character.text == " " {
                spaces += 1
                continue
            }
            if printed && spaces > 0 { text += " " }
            spaces = 0
            printed = true
            text += character.text
        }
        try StandardStreams.write(Array(text.utf8))
    }

    func end() throws {
        if printed { try StandardStreams.write(Array("\n".utf8)) }
    }
}

/// A file or standard input, read in large blocks.
private final class InputFile {
    let name: String
    private let descriptor: Int32

    init(path: String) throws {
        if path == "-" {
            name = "standard input"
            descriptor = 0
            return
        }
        name = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CLIError("morse decode-audio: error: cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            Glibc.close(descriptor)
            throw CLIError("morse decode-audio: error: \(path) is a directory, not a WAV file")
        }
    }

    func read(into buffer: inout [UInt8]) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR {
                throw CLIError("morse decode-audio: error: cannot read \(name): \(String(cString: strerror(errno)))")
            }
        }
    }

    func close() {
        if descriptor != 0 { Glibc.close(descriptor) }
    }
}
