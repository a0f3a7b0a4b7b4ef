import ArgumentParser
import MorseCode

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode text to Morse.",
        discussion: "Strict by default: the first character with no code stops it, with its position."
    )

    @Argument(help: "Text to encode. Reads standard input when omitted.")
    var text: String?

    @Flag(help: "Write '#' for characters with no code and report them on standard error, instead of failing.")
    var lenient = false

    func run() throws { try reportingErrors(runUnchecked) }

    func runUnchecked() throws {
        let encoder = MorseEncoder()
        try StreamCoder(name: "encode", lenient: lenient) { input, lenient, base, output, problems throws(MorseError) in
            try encoder.encode(utf8: input, lenient: lenient, positionBase: base, into: output, problems: &problems)
        }.run(argument: text)
    }
}
