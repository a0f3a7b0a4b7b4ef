/// One character decoded from sound.
public struct DecodedCharacter: Sendable, Equatable, Codable {
    /// The symbol (`A`, `<SK>`), `#` for a code the alphabet does not have (as lenient decoding writes), or `" "`
    /// for a word space.
    public var text: String
    /// The dits and dahs heard (`.-`), the unknown code itself for `#`, `/` for a word space.
    public var code: String
    /// When the character's first element began (a word space: when the gap began), in seconds from the start.
    public var startSeconds: Double
    /// 0...1: how clearly its marks and gaps fell into their clusters, and the tone's signal-to-noise ratio.
    public var confidence: Double

    public init(text: String, code: String, startSeconds: Double, confidence: Double) {
        self.text = text
        self.code = code
        self.startSeconds = startSeconds
        self.confidence = confidence
    }
}

/// A whole recording decoded: ``MorseAudioDecoder/decode(_:sampleRate:alphabet:)``.
public struct DecodedAudio: Sendable, Equatable, Codable {
    /// The characters' text, with no trailing space.
    public var text: String
    public var characters: [DecodedCharacter]
    /// The sender's character speed, nil when no Morse was heard.
    public var wpm: Double?
    /// The overall speed its letter gaps imply (equal to `wpm` without Farnsworth spacing), nil when unknown.
    public var farnsworthWPM: Double?
    /// The tone, nil when none was found.
    public var pitchHz: Double?
    public var durationSeconds: Double

    init(
        characters: [DecodedCharacter], wpm: Double?, farnsworthWPM: Double?, pitchHz: Double?, durationSeconds: Double
    ) {
        var characters = characters
        while characters.last?.text == " " { characters.removeLast() }
        self.characters = characters
        text = characters.map(\.text).joined()
        self.wpm = wpm
        self.farnsworthWPM = farnsworthWPM
        self.pitchHz = pitchHz
        self.durationSeconds = durationSeconds
    }
}

extension DecodedAudio {
    /// The codes heard, as Morse text: letters apart by a space, words by ` / ` (what `MorseDecoder` reads).
    public var morse: String {
        characters.map { $0.text == " " ? "/" : $0.code }.joined(separator: " ")
    }

    /// The same sound read through another alphabet — the worker's, from its database: each character's text from
    /// its code, `#` where that alphabet has none. Codes, times, confidences and the estimates stay as they are.
    public func reading(with alphabet: Alphabet) -> DecodedAudio {
        var audio = self
        audio.characters = characters.map { character in
            guard character.text != " " else { return character }
            var read = character
            read.text = alphabet.symbol(for: character.code) ?? MorseError.placeholder
            return read
        }
        audio.text = audio.characters.map(\.text).joined()
        return audio
    }
}

// The JSON of the CLI's `--json` and of the API: every field present (null when unknown), figures rounded to what
// the decoder can tell (0.1 WPM, 0.1 Hz, 1 ms, 0.01 of confidence).
extension DecodedAudio {
    private enum CodingKeys: String, CodingKey {
        case text, wpm, farnsworthWPM, pitchHz, durationSeconds, characters
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(wpm.map { rounded($0, 10) }, forKey: .wpm)
        try container.encode(farnsworthWPM.map { rounded($0, 10) }, forKey: .farnsworthWPM)
        try container.encode(pitchHz.map { rounded($0, 10) }, forKey: .pitchHz)
        try container.encode(rounded(durationSeconds, 1000), forKey: .durationSeconds)
        try container.encode(characters, forKey: .characters)
    }
}

extension DecodedCharacter {
    private enum CodingKeys: String, CodingKey {
        case text, code, startSeconds, confidence
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(code, forKey: .code)
        try container.encode(rounded(startSeconds, 1000), forKey: .startSeconds)
        try container.encode(rounded(confidence, 100), forKey: .confidence)
    }
}

private func rounded(_ value: Double, _ scale: Double) -> Double {
    value.isFinite ? (value * scale).rounded() / scale : 0
}

public enum AudioDecoderError: Error, Equatable, Sendable, CustomStringConvertible {
    case sampleRateOutOfRange(Int)

    public var description: String {
        switch self {
        case .sampleRateOutOfRange(let rate):
            "sample rate \(rate) Hz is out of range \(MorseAudioDecoder.sampleRates.lowerBound)-"
                + "\(MorseAudioDecoder.sampleRates.upperBound) Hz for decoding"
        }
    }
}
