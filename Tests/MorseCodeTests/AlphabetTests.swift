import Testing

@testable import MorseCode

@Suite struct AlphabetTests {
    static let itu = Alphabet.ituEntries

    /// Every row encodes to its code and, where it is the decoding choice, decodes back to itself.
    @Test(arguments: itu)
    func everySymbolBothWays(entry: AlphabetEntry) throws {
        #expect(try MorseEncoder().encode(entry.symbol) == entry.code)
        let decoded = try MorseDecoder().decode(entry.code)
        if entry.decodesByDefault {
            #expect(decoded == entry.symbol)
        } else {
            #expect(decoded != entry.symbol)
            #expect(try MorseEncoder().encode(decoded) == entry.code, "alias decodes to a symbol of the same code")
        }
    }

    @Test func tableIsComplete() {
        let symbols = Set(Self.itu.map(\.symbol))
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZÉ0123456789.,:?'-/()\"=+@!&;_$" {
            #expect(symbols.contains(String(letter)), "missing \(letter)")
        }
        for prosign in ["<SN>", "<HH>", "<K>", "<AS>", "<SK>", "<CT>", "<AR>", "<BT>", "<KN>", "<SOS>"] {
            #expect(symbols.contains(prosign), "missing \(prosign)")
        }
        let extensions = Set(Self.itu.filter(\.isExtension).map(\.symbol))
        #expect(extensions == ["!", "&", ";", "_", "$"])
    }

    @Test func ituCodesFromTheStandard() {
        let alphabet = Alphabet.itu
        #expect(alphabet.code(for: "<HH>") == "........")
        #expect(alphabet.code(for: "<SN>") == "...-.")
        #expect(alphabet.code(for: "<SK>") == "...-.-")
        #expect(alphabet.code(for: "<CT>") == "-.-.-")
        #expect(alphabet.code(for: "@") == ".--.-.")
        #expect(alphabet.code(for: "É") == "..-..")
    }

    @Test(arguments: [
        (".-...", "<AS>"), (".-.-.", "+"), ("-...-", "="), ("-.--.", "("), ("-..-", "X"), ("-.-", "K"),
        ("...-.", "<SN>"), ("...-.-", "<SK>"), ("-.-.-", "<CT>"), ("...---...", "<SOS>"),
    ])
    func twoMeaningsDecodeByPolicy(code: String, expected: String) throws {
        #expect(try MorseDecoder().decode(code) == expected)
    }

    @Test func aliasesEncode() throws {
        #expect(
            try MorseEncoder().encode("& <AR> <BT> <KN> <VA> <ka> <ve>")
                == ".-... / .-.-. / -...- / -.--. / ...-.- / -.-.- / ...-.")
    }

    @Test func subsetAlphabetCodesOnlyWhatItHas() throws {
        let rows = Alphabet.ituEntries.filter { ["S", "O"].contains($0.symbol) }
        let alphabet = try Alphabet(name: "subset", entries: rows)
        #expect(try MorseEncoder(alphabet: alphabet).encode("sos") == "... --- ...")
        #expect(throws: MorseError(kind: .unencodableCharacter, position: 0, offending: "A")) {
            try MorseEncoder(alphabet: alphabet).encode("A")
        }
    }

    @Test func invalidAlphabetsAreRejected() {
        #expect(throws: AlphabetError.invalidCode(symbol: "A", code: ".x")) {
            try Alphabet(name: "bad", entries: [.init(symbol: "A", code: ".x", category: .letter)])
        }
        #expect(throws: AlphabetError.invalidSymbol("AB")) {
            try Alphabet(name: "bad", entries: [.init(symbol: "AB", code: ".", category: .letter)])
        }
        #expect(throws: AlphabetError.conflictingSymbol("A")) {
            try Alphabet(
                name: "bad",
                entries: [
                    .init(symbol: "A", code: ".", category: .letter), .init(symbol: "A", code: "-", category: .letter),
                ])
        }
        #expect(throws: AlphabetError.ambiguousCode(code: ".", symbols: ["A", "B"])) {
            try Alphabet(
                name: "bad",
                entries: [
                    .init(symbol: "A", code: ".", category: .letter), .init(symbol: "B", code: ".", category: .letter),
                ])
        }
    }

    @Test func aCustomTableFromRowsWorks() throws {
        // Rows as they would come from a database: Greek alpha and beta.
        let alphabet = try Alphabet(
            name: "greek-sample",
            entries: [
                .init(symbol: "Α", code: ".-", category: .letter), .init(symbol: "Β", code: "-...", category: .letter),
            ])
        #expect(try MorseEncoder(alphabet: alphabet).encode("αβ α") == ".- -... / .-")
        #expect(try MorseDecoder(alphabet: alphabet).decode(".- -... / .-") == "ΑΒ Α")
    }
}
