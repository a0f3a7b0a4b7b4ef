/// Morse decoded from a WAV file as its bytes arrive (an upload, standard input): ``WAVStreamReader`` into
/// ``MorseAudioDecoder``, in constant memory whatever the length. The characters come out as they are heard.
///
/// ```swift
/// var decoder = WAVMorseDecoder()
/// var characters: [DecodedCharacter] = []
/// for chunk in chunks { characters += try chunk.withUnsafeBytes { try decoder.feed($0) } }
/// characters += try decoder.finish()
/// let audio = decoder.result(characters)
/// ```
public struct WAVMorseDecoder: Sendable {
    private let alphabet: Alphabet
    private var reader = WAVStreamReader()
    /// Made when the `fmt ` chunk has given the sample rate.
    private var decoder: MorseAudioDecoder?

    public init(alphabet: Alphabet = .itu) {
        self.alphabet = alphabet
    }

    /// The file's sample rate, once its `fmt ` chunk has been read.
    public var sampleRate: Int? { reader.sampleRate }

    /// Seconds of sound read so far.
    public var durationSeconds: Double { reader.durationSeconds }

    /// Reads more of the file; returns the characters its samples completed. Throws as soon as the format shows
    /// the file cannot be decoded.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(WAVError) -> [DecodedCharacter] {
        var decoder = self.decoder
        var characters: [DecodedCharacter] = []
        defer { self.decoder = decoder }
        try reader.read(bytes, runLength: MorseAudioDecoder.sliceLength) { samples, rate in
            // The reader has checked the rate against the decoder's range.
            if decoder == nil { decoder = try? MorseAudioDecoder(sampleRate: rate, alphabet: alphabet) }
            characters += decoder?.feed(samples) ?? []
        }
        return characters
    }

    public mutating func feed(_ bytes: [UInt8]) throws(WAVError) -> [DecodedCharacter] {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(WAVError) in try feed(buffer) } }
        return try result.get()
    }

    /// Ends the file: the characters still held back, or what is wrong with a file that ended too early.
    public mutating func finish() throws(WAVError) -> [DecodedCharacter] {
        try reader.finish()
        return decoder?.finish() ?? []
    }

    /// The whole recording's result from all the characters `feed` and `finish` returned.
    public func result(_ characters: [DecodedCharacter]) -> DecodedAudio {
        guard let decoder else {
            return DecodedAudio(
                characters: [], wpm: nil, farnsworthWPM: nil, pitchHz: nil, durationSeconds: durationSeconds)
        }
        return decoder.result(characters)
    }
}
