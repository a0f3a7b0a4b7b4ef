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
