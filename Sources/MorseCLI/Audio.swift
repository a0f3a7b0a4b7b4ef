import ArgumentParser
import MorseCode

struct Audio: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render text as Morse audio: a 16-bit mono PCM WAV file.",
        discussion: "Streams the samples, so memory stays constant for any length."
    )

    @Argument(help: "Text to send. Reads standard input (up to 1 MiB) when omitted.")
    var text: String?

    @Option(name: .shortAndLong, help: "Output file, or - for standard output.")
    var output: String

    @Option(help: "Character speed in words per minute (PARIS).")
    var wpm: Double = 20

    @Option(help: "Overall speed in WPM for Farnsworth spacing (at most --wpm). Default: no Farnsworth spacing.")
    var farnsworth: Double?

    @Option(help: "Tone frequency in Hz.")
    var tone: Double = 600

    @Option(help: "Sample rate in Hz.")
    var rate: Int = 8000

    @Flag(help: "Write '#' for characters with no code (they are silent) instead of failing.")
    var lenient = false

    func run() throws { try reportingErrors(runUnchecked) }

    func runUnchecked() throws {
        let input = try text ?? StandardStreams.readAll(limit: 1 << 20)
        let morse: String
        if lenient {
            let result = MorseEncoder().encodeLenient(input)
            for problem in result.problems { StandardStreams.error("morse audio: warning: \(problem)") }
            morse = result.morse
        } else {
            do {
                morse = try MorseEncoder().encode(input)
            } catch {
                throw CLIError("morse audio: error: \(error)")
            }
        }
        let audio: MorseAudio
        do {
            audio = try MorseAudio(
                morse: morse, timing: try MorseTiming(wpm: wpm, farnsworthWPM: farnsworth), toneHz: tone,
                sampleRate: rate)
        } catch let error as TimingError {
            throw ValidationError("\(error)")
        } catch {
            throw ValidationError("\(error)")
        }
        let sink = try OutputSink(path: output)
        for chunk in audio.wavChunks() { try sink.write(chunk) }
        try sink.close()
    }
}
