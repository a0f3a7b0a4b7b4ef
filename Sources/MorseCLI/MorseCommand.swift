import ArgumentParser

@main
struct MorseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morse",
        abstract: "Encode text to Morse code, decode Morse to text, and render Morse audio (ITU-R M.1677-1).",
        discussion: """
            Text is case-insensitive. Between letters Morse has one space, between words ' / '; line breaks are kept.
            Prosigns are written <SK>, <AR>, <SOS>. Signs with no code follow ITU §3: 2% is sent as 2-0/0.
            With no argument, encode and decode read standard input and stream it, so files of any size work.

            Examples:
              morse encode "CQ DX"                 -.-. --.- / -.. -..-
              morse decode ". ..- .-. --- .--. ."  EUROPE
              morse audio "SOS" --wpm 25 --output sos.wav
            """,
        subcommands: [Encode.self, Decode.self, Audio.self, DecodeAudio.self]
    )
}
