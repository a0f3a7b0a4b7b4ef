import ArgumentParser
import MorseCode

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode Morse to text.",
        discussion: """
            Dits: . • · ∙   Dahs: - _ − – —   Letters: 1-3 spaces   Words: / or | or a tab or 7+ spaces.
            Codes with two meanings decode to the ITU one: .-... is <AS> (not &), .-.-. is +, -...- is =, -.--. is (.
            """
    )

    @Argument(help: "Morse to decode. Reads standard input when omitted.")
    var morse: String?

    @Flag(help: "Write '#' for groups that are not codes and report them on standard error, instead of failing.")
    var lenient = false

    func run() throws { try reportingErrors(runUnchecked) }

    func runUnchecked() throws {
        let decoder = MorseDecoder()
        try StreamCoder(name: "decode", lenient: lenient) { input, lenient, base, output, problems throws(MorseError) in
            try decoder.decode(utf8: input, lenient: lenient, positionBase: base, into: output, problems: &problems)
        }.run(argument: morse)
    }
}
