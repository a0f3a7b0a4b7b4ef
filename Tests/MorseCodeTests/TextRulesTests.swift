import Testing

@testable import MorseCode

/// ITU-R M.1677-1 §3 input rules and the encoder's text handling.
@Suite struct TextRulesTests {
    let encoder = MorseEncoder()

    @Test func percentJoinsTheNumberByAHyphen() throws {
        #expect(try encoder.encode("2%") == "..--- -....- ----- -..-. -----")
        #expect(try encoder.encode("%") == "----- -..-. -----")
        #expect(try encoder.encode("5‰") == "..... -....- ----- -..-. ----- -----")
        #expect(encoder.normalize("2% and 5‰") == "2-0/0 AND 5-0/00")
    }

    @Test func signsWithNoCodeOfTheirOwn() throws {
        #expect(try encoder.encode("2×3") == "..--- -..- ...--")
        #expect(try encoder.encode("5′") == "..... .----.")
        #expect(try encoder.encode("5″") == "..... .----. .----.")
        #expect(encoder.normalize("‘a’ “b”") == "'A' \"B\"")
        #expect(encoder.normalize("1-3/4") == "1-3/4")
    }

    @Test func caseInsensitiveAndSpacing() throws {
        #expect(try encoder.encode("  cq \t  dx  ") == "-.-. --.- / -.. -..-")
        #expect(try encoder.encode("a\nb\r\n\nc") == ".-\n-...\n\n-.-.")
        #expect(try encoder.encode("é") == "..-..")
        #expect(try encoder.encode("E\u{301}") == "..-..", "combining accent reads as É")
        #expect(try encoder.encode("") == "")
    }

    @Test func prosignsInText() throws {
        #expect(try encoder.encode("<SK>") == "...-.-")
        #expect(try encoder.encode("73 <sk>") == "--... ...-- / ...-.-")
        #expect(try encoder.encode("<SOS><AR>") == "...---... .-.-.")
        #expect(encoder.normalize("<ar> & <va>") == "+ <AS> <SK>")
    }

    @Test func symbolsNeededForADatabaseFetch() {
        #expect(MorseEncoder.symbols(in: "Hello <sk> 2%") == ["H", "E", "L", "O", "<SK>", "2", "-", "0", "/"])
        #expect(MorseDecoder.codes(in: ".- .- / -... x.") == [".-", "-..."])
    }
}
