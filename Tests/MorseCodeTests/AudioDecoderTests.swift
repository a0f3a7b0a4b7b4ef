import Testing

@testable import MorseCode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The audio decoder on recordings made by the project's synthesizer, hand-keyed, noisy and drifting ones, all
/// seeded. SNR is stated in a 2500 Hz bandwidth (``TestRecordings/addNoise(_:snrDB:rate:seed:)``).
@Suite struct AudioDecoderTests {
    static func decode(_ samples: [Float], rate: Int = 8000) throws -> DecodedAudio {
        try MorseAudioDecoder.decode(samples, sampleRate: rate)
    }

    static func expected(_ text: String) throws -> String {
        try MorseDecoder().decode(MorseEncoder().encode(text))
    }

    /// Every reference vector at 20 WPM, 600 Hz, 8000 Hz; the sound starts at once and ends half a ramp after the
    /// last element, so neither end has silence to spare.
    @Test(arguments: ReferenceVectorTests.vectors.indices)
    func referenceVectors(index: Int) throws {
        let text = ReferenceVectorTests.vectors[index].text
        let result = try Self.decode(TestRecordings.render(text, padding: 0))
        #expect(result.text == (try Self.expected(text)))
    }

    @Test(arguments: [5.0, 12, 25, 40])
    func speeds(wpm: Double) throws {
        let text = "PARIS 73"
        let result = try Self.decode(TestRecordings.render(text, wpm: wpm))
        print("speed \(wpm) WPM: decoded \(result.text.debugDescription), estimated \(result.wpm ?? 0) WPM")
        #expect(result.text == text)
        let estimate = try #require(result.wpm)
        #expect(abs(estimate - wpm) <= 0.1 * wpm, "estimated \(estimate) WPM")
    }

    @Test(arguments: [400.0, 1000])
    func pitches(tone: Double) throws {
        let result = try Self.decode(TestRecordings.render("TEST DE K", tone: tone))
        #expect(result.text == "TEST DE K")
        let pitch = try #require(result.pitchHz)
        #expect(abs(pitch - tone) <= 5, "estimated \(pitch) Hz")
    }

    @Test(arguments: [8000, 22050, 44100, 48000])
    func sampleRates(rate: Int) throws {
        let result = try Self.decode(TestRecordings.render("CQ DX", wpm: 25, tone: 700, rate: rate), rate: rate)
        #expect(result.text == "CQ DX")
    }

    @Test func farnsworth() throws {
        let text = "CQ CQ DE MORSE"
        let result = try Self.decode(TestRecordings.render(text, wpm: 18, farnsworth: 8))
        print(
            "Farnsworth 18/8: decoded \(result.text.debugDescription), \(result.wpm ?? 0)/\(result.farnsworthWPM ?? 0)")
        #expect(result.text == text)
        #expect(abs((result.wpm ?? 0) - 18) <= 1.5)
        #expect(abs((result.farnsworthWPM ?? 0) - 8) <= 1)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func handKeyedWithTwentyPercentJitter(seed: UInt64) throws {
        let text = "THE QUICK BROWN FOX JUMPS OVER 73"
        let samples = try TestRecordings.handKeyed(text, wpm: 20, jitter: 0.2, seed: seed)
        let result = try Self.decode(samples)
        print("jitter 20 % seed \(seed): decoded \(result.text.debugDescription)")
        #expect(result.text == text)
    }

    @Test(arguments: [11, 12] as [UInt64])
    func whiteNoiseAtPlusTenDecibels(seed: UInt64) throws {
        let text = "CQ CQ DE MORSE TEST 73"
        var samples = try TestRecordings.render(text, wpm: 20, tone: 650)
        TestRecordings.addNoise(&samples, snrDB: 10, rate: 8000, seed: seed)
        let result = try Self.decode(samples)
        print("+10 dB seed \(seed): decoded \(result.text.debugDescription)")
        #expect(result.text == text)
    }

    @Test func noiseAtPlusThreeDecibels() throws {
        let text = "PARIS PARIS 73"
        var samples = try TestRecordings.render(text, wpm: 20, tone: 700)
        TestRecordings.addNoise(&samples, snrDB: 3, rate: 8000, seed: 5)
        let result = try Self.decode(samples)
        let rate = TestRecordings.characterErrorRate(result.text, text)
        print("+3 dB: decoded \(result.text.debugDescription), CER \(rate)")
        #expect(rate <= 0.05)
    }

    /// The pitch swings ±20 Hz about 700 Hz over the recording.
    @Test func slowDrift() throws {
        let text = "CQ CQ DE MORSE TEST"
        let morse = try MorseEncoder().encode(text)
        let durations = try MorseTiming(wpm: 20).durations(of: morse)
        let seconds = durations.reduce(0) { $0 + abs($1) } / 1000 + 1
        let samples = TestRecordings.key(durations, rate: 8000) { 700 + 20 * sin(2 * Double.pi * $0 / seconds) }
        let result = try Self.decode(samples)
        print("drift ±20 Hz: decoded \(result.text.debugDescription)")
        #expect(result.text == text)
    }

    /// A recording that stops right after its last element still gives its last character, even one shorter than
    /// the time the tone search takes to lock (a lone E).
    @Test(arguments: [("SOS", 20.0), ("TEST", 40.0), ("73", 12.0), ("E", 20.0), ("K", 15.0)])
    func endsRightAfterTheLastElement(text: String, wpm: Double) throws {
        let result = try Self.decode(TestRecordings.render(text, wpm: wpm, padding: 0))
        #expect(result.text == text)
    }

    @Test func silenceGivesNothing() throws {
        let result = try Self.decode([Float](repeating: 0, count: 24_000))
        #expect(result.text == "")
        #expect(result.characters.isEmpty)
        #expect(result.wpm == nil)
        #expect(result.pitchHz == nil)
    }

    @Test func noiseAloneGivesNothing() throws {
        var samples = [Float](repeating: 0, count: 40_000)
        TestRecordings.addNoise(&samples, snrDB: 0, rate: 8000, seed: 21)
        let result = try Self.decode(samples)
        #expect(result.text == "")
    }

    @Test func unknownCodesComeOutAsPlaceholderWithTheirCode() throws {
        let result = try Self.decode(TestRecordings.render(morse: "......... -.-"))
        #expect(result.text == "#K")
        #expect(result.characters.first?.code == ".........")
        #expect(result.characters.first?.text == "#")
    }

    @Test func charactersCarryCodeTimeAndConfidence() throws {
        let samples = try TestRecordings.render("CQ DE", wpm: 25, tone: 700)
        let result = try Self.decode(samples)
        #expect(result.characters.map(\.code) == ["-.-.", "--.-", "/", "-..", "."])
        #expect(result.characters.map(\.text) == ["C", "Q", " ", "D", "E"])
        // The sound starts after 0.5 s of silence and half a ramp; at 25 WPM, C is 11 units + 3 of gap. The first
        // mark of a recording is seen up to 10 ms early (the mark level is still rising), later ones within 2 ms.
        let first = try #require(result.characters.first)
        #expect(abs(first.startSeconds - 0.5025) < 0.015, "\(first.startSeconds)")
        let second = result.characters[1]
        #expect(abs(second.startSeconds - (0.5025 + 14 * 0.048)) < 0.005, "\(second.startSeconds)")
        for character in result.characters { #expect(character.confidence > 0.7 && character.confidence <= 1) }
        #expect(abs((result.wpm ?? 0) - 25) < 1.5)
        #expect(abs((result.pitchHz ?? 0) - 700) < 3)
        #expect(abs(result.durationSeconds - Double(samples.count) / 8000) < 1e-9)
    }

    @Test func noisyCharactersHaveLowerConfidence() throws {
        let text = "PARIS PARIS"
        let clean = try Self.decode(TestRecordings.render(text))
        var samples = try TestRecordings.render(text)
        TestRecordings.addNoise(&samples, snrDB: 0, rate: 8000, seed: 3)
        let noisy = try Self.decode(samples)
        func mean(_ result: DecodedAudio) -> Double {
            result.characters.map(\.confidence).reduce(0, +) / Double(max(1, result.characters.count))
        }
        #expect(mean(noisy) < mean(clean))
    }

    /// Streaming in chunks of any size gives exactly what one call gives.
    @Test(arguments: [1, 100, 4096])
    func streamingMatchesOneShot(chunk: Int) throws {
        var samples = try TestRecordings.render("CQ TEST 5NN", wpm: 25, tone: 750)
        TestRecordings.addNoise(&samples, snrDB: 10, rate: 8000, seed: 9)
        let whole = try Self.decode(samples)
        var decoder = try MorseAudioDecoder(sampleRate: 8000)
        var streamed: [DecodedCharacter] = []
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + chunk)
            streamed += decoder.feed(Array(samples[start..<end]))
            start = end
        }
        streamed += decoder.finish()
        #expect(decoder.finish().isEmpty)
        while streamed.last?.text == " " { streamed.removeLast() }
        #expect(streamed == whole.characters)
        #expect(whole.text == "CQ TEST 5NN")
    }

    /// Characters come out while the sound goes on: each within 1.2 s of its start (0.6 s of look-ahead, the gap
    /// that ends it, the debounce).
    /// Characters come out while the sound goes on: the first ones once the timing is known (held at most 4 s from
    /// the first mark), every later one within the delay line and the gap that ends it.
    @Test func outputIsPrompt() throws {
        let samples = try TestRecordings.render("E E E E E E E E E E E E", wpm: 20, padding: 1)
        var decoder = try MorseAudioDecoder(sampleRate: 8000)
        var arrivals: [(character: DecodedCharacter, at: Double)] = []
        for start in stride(from: 0, to: samples.count, by: 400) {
            let fed = Double(min(samples.count, start + 400)) / 8000
            for character in decoder.feed(Array(samples[start..<min(samples.count, start + 400)])) {
                arrivals.append((character, fed))
            }
        }
        let letters = arrivals.filter { $0.character.text == "E" }
        #expect(letters.count == 12)
        guard let first = letters.first else { return }
        #expect(first.at - first.character.startSeconds < 4.0 + 1.2)
        let held = letters.filter { $0.at == first.at }.count
        #expect((2...8).contains(held), "\(held) characters held")
        for arrival in letters.dropFirst(held) { #expect(arrival.at - arrival.character.startSeconds < 1.2) }
    }

    @Test func sampleRateIsChecked() {
        #expect(throws: AudioDecoderError.sampleRateOutOfRange(7999)) { try MorseAudioDecoder(sampleRate: 7999) }
        #expect(throws: AudioDecoderError.sampleRateOutOfRange(48001)) { try MorseAudioDecoder(sampleRate: 48001) }
        #expect(
            AudioDecoderError.sampleRateOutOfRange(4000).description
                == "sample rate 4000 Hz is out of range 8000-48000 Hz for decoding")
    }

    @Test func nonFiniteAndHugeSamplesDoNotBreakIt() throws {
        var samples = try TestRecordings.render("SOS")
        samples.insert(contentsOf: [.nan, .infinity, -.infinity, 1e30, -1e30], at: 100)
        let result = try Self.decode(samples)
        #expect(result.text == "SOS")
    }

    /// Three minutes of a message in noise (a few seconds in a debug build), then the same state size as after a
    /// second: nothing grows with the input.
    // Async, and yielding between pieces: three minutes of sound take seconds in a debug build, and a test that
    // holds one of the two threads of Swift's cooperative pool that long delays the timers of the worker's tests
    // running beside it in the same process.
    @Test func stateStaysBoundedOverMinutes() async throws {
        var piece = try TestRecordings.render("CQ DE MORSE 73", wpm: 30, padding: 0.3)
        TestRecordings.addNoise(&piece, snrDB: 6, rate: 8000, seed: 77)
        var decoder = try MorseAudioDecoder(sampleRate: 8000)
        _ = decoder.feed(Array(piece.prefix(8000)))
        let early = decoder.stateCapacity
        var characters = 0
        var fed = 8000
        while fed < 8000 * 180 {
            characters += decoder.feed(piece).count
            fed += piece.count
            await Task.yield()
        }
        #expect(decoder.stateCapacity == early)
        #expect(characters > 400)
    }
}
