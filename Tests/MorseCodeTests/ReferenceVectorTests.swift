import Testing

@testable import MorseCode

/// Every vector of the project's reference sheet (shared/reference/morse.md).
@Suite struct ReferenceVectorTests {
    static let vectors: [(text: String, morse: String, units: Int?)] = [
        ("SOS", "... --- ...", 27),
        ("PARIS", ".--. .- .-. .. ...", 43),
        ("Hello, World!", ".... . .-.. .-.. --- --..-- / .-- --- .-. .-.. -.. -.-.--", 155),
        ("73", "--... ...--", 29),
        ("CQ DX", "-.-. --.- / -.. -..-", 55),
        ("ÉTÉ", "..-.. - ..-..", nil),
        ("user@example.com", "..- ... . .-. .--.-. . -..- .- -- .--. .-.. . .-.-.- -.-. --- --", nil),
    ]

    @Test(arguments: vectors.indices)
    func encodesDecodesAndCounts(index: Int) throws {
        let vector = Self.vectors[index]
        let morse = try MorseEncoder().encode(vector.text)
        #expect(morse == vector.morse)
        #expect(try MorseDecoder().decode(morse) == vector.text.uppercased())
        if let units = vector.units { #expect(MorseSignals(morse).units == units) }
    }

    @Test func binaryOfSOS() throws {
        #expect(MorseSignals(try MorseEncoder().encode("SOS")).binary == "101010001110111011100010101")
    }

    @Test(arguments: [
        (20.0, 20.0, [60.0, -60, 180, -180, 60, -420, 60]),
        (20.0, 15.0, [60.0, -60, 180, -338, 60, -788, 60]),
        (10.0, 10.0, [120.0, -120, 360, -360, 120, -840, 120]),
    ])
    func timingArrays(wpm: Double, overall: Double, expected: [Double]) throws {
        let timing = try MorseTiming(wpm: wpm, farnsworthWPM: overall)
        let durations = timing.durations(of: ".- . / .")
        #expect(durations.count == expected.count)
        for (got, want) in zip(durations, expected) { #expect(abs(got - want) < 0.5, "\(durations)") }
    }

    @Test func parisDurations() throws {
        let paris = try MorseEncoder().encode("PARIS")
        #expect(try MorseTiming(wpm: 20).durationMs(of: paris) == 2580)
        #expect(try MorseTiming(wpm: 10).durationMs(of: paris) == 5160)
        let farnsworth = try MorseTiming(wpm: 20, farnsworthWPM: 10).durationMs(of: paris)
        #expect(abs(farnsworth - 4475) < 1, "got \(farnsworth)")
    }

    @Test func farnsworthGaps() throws {
        let slow = try MorseTiming(wpm: 13, farnsworthWPM: 5)
        #expect(abs(slow.letterGapMs - 1443) < 1)
        #expect(abs(slow.wordGapMs - 3367) < 1)
        let fast = try MorseTiming(wpm: 20, farnsworthWPM: 15)
        #expect(abs(fast.letterGapMs - 337.9) < 0.05)
        #expect(abs(fast.wordGapMs - 788.4) < 0.05)
        // Elements and the gaps inside a character stay at the character speed.
        #expect(fast.unitMs == 60)
        #expect(fast.milliseconds(of: .elementGap) == 60)
    }

    @Test func unitIsPARIS() throws {
        #expect(try MorseTiming(wpm: 20).unitMs == 60)
        #expect(try MorseTiming(wpm: 12).unitMs == 100)
        // "PARIS " is 50 units: 43 plus a 7-unit word gap.
        #expect(MorseSignals(try MorseEncoder().encode("PARIS PARIS")).units == 43 + 7 + 43)
    }

    @Test func timingRejectsBadSpeeds() {
        #expect(throws: TimingError.speedOutOfRange(0)) { try MorseTiming(wpm: 0) }
        #expect(throws: TimingError.farnsworthFasterThanCharacters(overall: 25, character: 20)) {
            try MorseTiming(wpm: 20, farnsworthWPM: 25)
        }
    }
}
