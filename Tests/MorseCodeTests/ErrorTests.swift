import Testing

@testable import MorseCode

@Suite struct EncoderErrorTests {
    let encoder = MorseEncoder()

    @Test(arguments: [
        ("a{b", 1, "{"),
        ("hello wörld", 7, "ö"),
        ("ab\r\nc{", 4, "{"),  // "\r\n" is one character
        ("日本", 0, "日"),
        ("x\u{0}", 1, "\u{0}"),
    ])
    func strictErrorCarriesThePosition(text: String, position: Int, offending: String) {
        #expect(throws: MorseError(kind: .unencodableCharacter, position: position, offending: offending)) {
            try encoder.encode(text)
        }
    }

    @Test func unknownProsign() {
        #expect(throws: MorseError(kind: .unknownProsign, position: 3, offending: "<XYZ>")) {
            try encoder.encode("ok <xyz>")
        }
    }

    @Test func lenientWritesAPlaceholderAndReportsEach() {
        let result = encoder.encodeLenient("a{b ö")
        #expect(result.morse == ".- # -... / #")
        #expect(result.problems.map(\.position) == [1, 4])
        #expect(result.problems.map(\.offending) == ["{", "ö"])
    }

    @Test func messageNamesCharacterAndPosition() {
        let error = MorseError(kind: .unencodableCharacter, position: 7, offending: "ö")
        #expect(error.description == #"cannot encode "ö" at position 7: not in the alphabet"#)
    }
}

@Suite struct DecoderErrorTests {
    let decoder = MorseDecoder()

    @Test func unknownCodeAtItsGroup() {
        #expect(throws: MorseError(kind: .unknownCode, position: 3, offending: "..--.")) {
            try decoder.decode(".- ..--. -")
        }
        #expect(throws: MorseError(kind: .unknownCode, position: 0, offending: "..........")) {
            try decoder.decode("..........")
        }
    }

    @Test func invalidCharacterAtItsPlace() {
        #expect(throws: MorseError(kind: .invalidMorseCharacter, position: 4, offending: "x")) {
            try decoder.decode(".- -x.")
        }
        #expect(throws: MorseError(kind: .invalidMorseCharacter, position: 2, offending: "é")) {
            try decoder.decode("• é")
        }
    }

    @Test func ambiguousGap() {
        #expect(throws: MorseError(kind: .ambiguousGap, position: 2, offending: "     ")) {
            try decoder.decode(".-     -...")
        }
        #expect(decoder.decodeLenient(".-     -...").text == "A B")
    }

    @Test func lenientDecoding() {
        let result = decoder.decodeLenient(".- ..--. x -... / .-.-.-.-.-.")
        #expect(result.text == "A##B #")
        #expect(result.problems.map(\.kind) == [.unknownCode, .invalidMorseCharacter, .unknownCode])
        #expect(result.problems.map(\.position) == [3, 9, 18])
    }

    @Test func separatorsAndGlyphs() throws {
        #expect(try decoder.decode(".- -...") == "AB")
        #expect(try decoder.decode(".-   -...") == "AB")
        #expect(try decoder.decode(".-       -...") == "A B")
        #expect(try decoder.decode(".-/-...|-.-.") == "A B C")
        #expect(try decoder.decode(".-\t-...") == "A B")
        #expect(try decoder.decode("  .- / -...  \n  -.-.  ") == "A B\nC")
        #expect(try decoder.decode("•− −•••") == "AB")
        #expect(try decoder.decode("·_ —∙∙∙ –·–·") == "ABC")
        #expect(try decoder.decode("") == "")
    }
}
