import Testing

@testable import MorseCode

/// decode(encode(t)) == normalize(t) for random texts over the whole table, the prosigns and the §3 signs.
@Suite struct RoundTripPropertyTests {
    /// Everything text may hold: every symbol of the table (lower case too), §3 signs, spaces and line breaks.
    static let pieces: [String] = {
        var pieces = Alphabet.ituEntries.map(\.symbol)
        pieces += Alphabet.ituEntries.filter { $0.category == .letter }.map { $0.symbol.lowercased() }
        pieces += ["%", "‰", "×", "′", "″", "‘", "’", "“", "”", "<sk>", "<ar>", "E\u{301}"]
        pieces += [" ", " ", " ", "  ", "\t", "\n", "\r\n"]
        return pieces
    }()

    static func randomText(_ generator: inout SplitMix64, asciiOnly: Bool) -> String {
        let pool = asciiOnly ? pieces.filter { $0.utf8.allSatisfy { $0 < 0x80 } } : pieces
        let length = Int(generator.next() % 40)
        return (0..<length).map { _ in pool[Int(generator.next() % UInt64(pool.count))] }.joined()
    }

    @Test func tenThousandRandomTexts() throws {
        var generator = SplitMix64(seed: 0x4D4F_5253_45)
        let encoder = MorseEncoder()
        let decoder = MorseDecoder()
        for round in 0..<10_000 {
            let text = Self.randomText(&generator, asciiOnly: round % 2 == 0)
            let morse = try encoder.encode(text)
            let back = try decoder.decode(morse)
            #expect(back == encoder.normalize(text), "text \(text.debugDescription) morse \(morse.debugDescription)")
            if back != encoder.normalize(text) { return }
        }
    }

    /// The ASCII fast path and the general Unicode path must agree exactly: force the general path by adding a
    /// non-ASCII character that encodes the same in both (an apostrophe written as a minute sign ′).
    @Test func fastAndGeneralPathsAgree() throws {
        var generator = SplitMix64(seed: 42)
        let encoder = MorseEncoder()
        for _ in 0..<2_000 {
            let text = Self.randomText(&generator, asciiOnly: true)
            let fast = try encoder.encode(text + "'")
            let general = try encoder.encode(text + "′")
            #expect(fast == general, "text \(text.debugDescription)")
        }
    }

    @Test func streamingInPiecesEqualsWhole() throws {
        var generator = SplitMix64(seed: 7)
        let encoder = MorseEncoder()
        var lines: [String] = []
        for _ in 0..<200 { lines.append(Self.randomText(&generator, asciiOnly: false).replacingNewlines()) }
        let whole = try encoder.encode(lines.joined(separator: "\n"))
        let output = MorseOutput()
        var problems: [MorseError] = []
        for (index, line) in lines.enumerated() {
            let piece = Array((index == lines.count - 1 ? line : line + "\n").utf8)
            try piece.withUnsafeBufferPointer { buffer throws(MorseError) in
                _ = try encoder.encode(utf8: buffer, lenient: false, into: output, problems: &problems)
            }
        }
        #expect(output.string() == whole)
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}

/// A small, fast, seedable generator: the same seed gives the same texts on every run and machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The decoder's fast path and its careful path give the same text for everything the fast path accepts.
@Suite struct DecoderPathTests {
    static let separators = [" ", " ", " ", "  ", "   ", " / ", "/", " | ", "\t", "       ", "\n", " \n "]

    @Test func fastAndCarefulPathsAgree() throws {
        var generator = SplitMix64(seed: 99)
        let codes = Alphabet.ituEntries.map(\.code)
        let decoder = MorseDecoder()
        var accepted = 0
        for _ in 0..<3_000 {
            var morse = ""
            for _ in 0..<Int(generator.next() % 12) {
                morse += codes[Int(generator.next() % UInt64(codes.count))]
                morse += Self.separators[Int(generator.next() % UInt64(Self.separators.count))]
            }
            let fast = MorseOutput()
            let careful = MorseOutput()
            var problems: [MorseError] = []
            var bytes = morse
            let agreed = try bytes.withUTF8 { buffer throws(MorseError) -> Bool in
                guard decoder.decodeFast(buffer, into: fast) else { return true }
                try decoder.decodeBytes(buffer, lenient: false, positions: nil, into: careful, problems: &problems)
                return fast.string() == careful.string()
            }
            #expect(agreed, "morse \(morse.debugDescription)")
            if fast.count > 0 { accepted += 1 }
        }
        #expect(accepted > 2_000, "the fast path took too few inputs to prove anything")
    }

    @Test func fastPathDeclinesWhatItCannotJudge() throws {
        let decoder = MorseDecoder()
        for morse in [".- x", "..........", ".-     -...", ".-\r\n-...", "•"] {
            var text = morse
            let declined = text.withUTF8 { !decoder.decodeFast($0, into: MorseOutput()) }
            #expect(declined, "\(morse.debugDescription)")
        }
    }
}

/// The symbols a text needs, read quickly from ASCII, are exactly those its tokens hold.
@Suite struct SymbolsNeededTests {
    @Test func asciiShortcutAgreesWithTheTokenizer() {
        var generator = SplitMix64(seed: 5)
        for _ in 0..<3_000 {
            let text = RoundTripPropertyTests.randomText(&generator, asciiOnly: true) + "\u{1}"
            var expected = Set<String>()
            for case .symbol(let symbol, _, _) in TextTokenizer.tokens(text) { expected.insert(symbol) }
            #expect(MorseEncoder.symbols(in: text) == expected, "\(text.debugDescription)")
        }
    }
}
