/// Morse as sound: a sine tone keyed by the timing, every element shaped by a raised-cosine ramp.
///
/// Ramps are centred on the element edges, so each element measures its exact length at half amplitude (the
/// convention for keying shape). That needs half a ramp before the first element and after the last: the sound is
/// the timing plus one ramp long, silent at both ends. Samples are computed on demand, chunk by chunk, so memory
/// stays constant whatever the length.
public struct MorseAudio: Sendable {
    static let sampleRateRange: ClosedRange<Int> = 4000...96000
    /// Full ramp length; ≈ 5 ms, capped at 150 / WPM ms so a fast dit keeps a flat top.
    static let maximumRampMs = 5.0

    let morse: String
    let timing: MorseTiming
    let toneHz: Double
    let sampleRate: Int
    /// Peak amplitude as a fraction of full scale.
    let amplitude: Double

    public init(
        morse: String,
        timing: MorseTiming,
        toneHz: Double = 600,
        sampleRate: Int = 8000,
        amplitude: Double = 0.8
    ) throws(AudioError) {
        guard MorseAudio.sampleRateRange.contains(sampleRate) else { throw .sampleRateOutOfRange(sampleRate) }
        guard toneHz > 0, toneHz < Double(sampleRate) / 2 else { throw .toneOutOfRange(toneHz, sampleRate: sampleRate) }
        guard amplitude > 0, amplitude <= 1 else { throw .amplitudeOutOfRange(amplitude) }
        self.morse = morse
        self.timing = timing
        self.toneHz = toneHz
        self.sampleRate = sampleRate
        self.amplitude = amplitude
    }

    /// The keying ramp at `timing`'s speed: the sound is silent for half of it before the first element.
    public static func rampMs(at timing: MorseTiming) -> Double { min(maximumRampMs, 150 / timing.wpm) }

    var rampMs: Double { MorseAudio.rampMs(at: timing) }

    var rampSamples: Double { rampMs * Double(sampleRate) / 1000 }

    var sampleCount: Int {
        let duration = timing.durationMs(of: morse)
        guard duration > 0 else { return 0 }
        return Int((duration * Double(sampleRate) / 1000 + rampSamples).rounded())
    }

    public var durationMs: Double { Double(sampleCount) * 1000 / Double(sampleRate) }

    /// Header and data size of the WAV file.
    public var wavByteCount: Int { WAVHeader.size + 2 * sampleCount }

    func wavHeader() -> [UInt8] { WAVHeader.bytes(sampleCount: sampleCount, sampleRate: sampleRate) }

    /// The WAV file as a sequence of chunks: the header, then PCM data of at most `samplesPerChunk` samples each.
    public func wavChunks(samplesPerChunk: Int = 8192) -> WAVChunks {
        WAVChunks(audio: self, samplesPerChunk: max(1, samplesPerChunk))
    }

    /// The whole WAV file in memory; for short messages and tests.
    public func wavData() -> [UInt8] { wavChunks().reduce(into: []) { $0 += $1 } }
}

public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    case sampleRateOutOfRange(Int)
    case toneOutOfRange(Double, sampleRate: Int)
    case amplitudeOutOfRange(Double)

    public var description: String {
        switch self {
        case .sampleRateOutOfRange(let rate):
            "sample rate \(rate) Hz is out of range \(MorseAudio.sampleRateRange.lowerBound)-\(MorseAudio.sampleRateRange.upperBound)"
        case .toneOutOfRange(let tone, let rate): "tone \(tone) Hz must be above 0 and below half of \(rate) Hz"
        case .amplitudeOutOfRange(let amplitude): "amplitude \(amplitude) must be above 0 and at most 1"
        }
    }
}
