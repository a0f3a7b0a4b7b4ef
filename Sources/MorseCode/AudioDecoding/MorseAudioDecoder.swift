/// Morse from sound: a streaming decoder of mono PCM (8–48 kHz) to text.
///
/// It finds the tone in 300–1200 Hz by itself and follows its drift (``ToneTracker``), separates mark from space
/// with an adaptive threshold (``EnvelopeDetector``), and learns the sender's dit length and spacing as it goes,
/// machine-sent, Farnsworth or hand-keyed (``TimingClassifier``). Each character comes with its code, start time
/// and a confidence; codes the alphabet lacks come out as `#` with the code, as lenient decoding writes them.
///
/// Pipeline: input → ``Downconverter`` (complex baseband, ≈ 2 kHz) → tone search → a 0.6 s delay line (so the
/// tone is found before the first mark reaches the detector) → envelope at the pitch → marks → characters.
/// Memory is constant: fixed rings and bounded histories, whatever the length of the input; `feed` works through
/// its input 4096 samples at a time. Output lags the sound by the delay line plus the gap that ends a character;
/// the first characters wait until the sender's timing is known (at most 4 s from the first mark).
///
/// ```swift
/// var decoder = try MorseAudioDecoder(sampleRate: 8000)
/// for chunk in chunks { print(decoder.feed(chunk).map(\.text).joined(), terminator: "") }
/// print(decoder.finish().map(\.text).joined())
/// ```
public struct MorseAudioDecoder: Sendable {
    public static let sampleRates: ClosedRange<Int> = 8000...48000
    static let lookaheadSeconds = 0.6
    static let sliceLength = 4096

    public let sampleRate: Int
    private var front: Downconverter
    private var tone: ToneTracker
    private var delayLine: [IQ]
    private var delayPosition = 0
    /// The delay line is full: the detector runs from the first sample, not from zeros before it.
    private var delayFilled = false
    private var detector: EnvelopeDetector
    private var timing: TimingClassifier
    private var baseband: [IQ] = []
    private var decoded: [TimingClassifier.Output] = []
    private var tunedPitch: Double?
    private var inputSamples = 0
    private var finished = false

    public init(sampleRate: Int, alphabet: Alphabet = .itu) throws(AudioDecoderError) {
        guard MorseAudioDecoder.sampleRates.contains(sampleRate) else { throw .sampleRateOutOfRange(sampleRate) }
        self.sampleRate = sampleRate
        front = Downconverter(sampleRate: sampleRate)
        let rate = front.outputRate
        tone = ToneTracker(rate: rate, centreHz: Downconverter.centreHz)
        delayLine = [IQ](
            repeating: .zero, count: Int(clamping: MorseAudioDecoder.lookaheadSeconds * rate, to: 1...100_000))
        detector = EnvelopeDetector(rate: rate)
        timing = TimingClassifier(rate: rate, alphabet: alphabet)
        baseband.reserveCapacity(MorseAudioDecoder.sliceLength / front.factor + 2)
        decoded.reserveCapacity(64)
    }

    // MARK: - Estimates

    /// The sender's character speed so far, from the mean of dit and element gap (noise shortens marks and
    /// lengthens gaps alike); nil before the first mark.
    public var wpm: Double? {
        let unit = (timing.dit + timing.elementGap) / 2
        guard timing.hasHeardMarks, unit > 0 else { return nil }
        return 1.2 * front.outputRate / unit
    }

    /// The overall speed the letter gaps imply (ARRL Farnsworth formula, solved for the overall speed); `wpm` until
    /// a letter gap has been heard.
    public var farnsworthWPM: Double? {
        guard let wpm else { return nil }
        guard let letterGap = timing.letterGap else { return wpm }
        let ta = 19 * (letterGap / front.outputRate) / 3
        return min(wpm, 60 * wpm / (ta * wpm + 37.2))
    }

    /// The tone, once found.
    public var pitchHz: Double? { tone.pitchHz }

    /// Seconds of input fed so far.
    public var durationSeconds: Double { Double(inputSamples) / Double(sampleRate) }

    /// Every sample the decoder keeps, in its rings and histories: the same after an hour as after a second.
    var stateCapacity: Int {
        front.capacity + tone.capacity + delayLine.count + detector.capacity + timing.capacity
            + baseband.capacity + decoded.capacity
    }

    // MARK: - Streaming

    /// Decodes more samples (full scale ±1); returns the characters completed by them.
    public mutating func feed(_ samples: [Float]) -> [DecodedCharacter] {
        samples.withUnsafeBufferPointer { feed($0) }
    }

    public mutating func feed(_ samples: UnsafeBufferPointer<Float>) -> [DecodedCharacter] {
        guard !finished else { return [] }
        var characters: [DecodedCharacter] = []
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + MorseAudioDecoder.sliceLength)
            baseband.removeAll(keepingCapacity: true)
            front.process(UnsafeBufferPointer(rebasing: samples[start..<end]), into: &baseband)
            inputSamples += end - start
            for sample in baseband { take(sample) }
            characters += drain()
            start = end
        }
        return characters
    }

    /// Ends the input: decodes what the filters and the delay line still hold, and the last character whatever
    /// the gap after it. Later calls to `feed` and `finish` return nothing.
    public mutating func finish() -> [DecodedCharacter] {
        guard !finished else { return [] }
        let zeros = [Float](repeating: 0, count: front.span + front.factor)
        let counted = inputSamples
        var characters = feed(zeros)
        inputSamples = counted
        finished = true
        // Silence through the tone search too, so a recording shorter than its lock time still locks.
        for _ in 0..<(delayLine.count + detector.maximumWindow + detector.debounce + 2) { take(.zero) }
        if let mark = detector.close() { timing.mark(mark, into: &decoded) }
        timing.finish(into: &decoded)
        characters += drain()
        return characters
    }

    /// Decodes a whole recording.
    public static func decode(
        _ samples: [Float], sampleRate: Int, alphabet: Alphabet = .itu
    ) throws(AudioDecoderError) -> DecodedAudio {
        var decoder = try MorseAudioDecoder(sampleRate: sampleRate, alphabet: alphabet)
        var characters = decoder.feed(samples)
        characters += decoder.finish()
        return decoder.result(characters)
    }

    /// Decodes a WAV file given as bytes: the entry point for files, uploads and fuzzing. Any byte sequence gives a
    /// result or a ``WAVError``, never a crash.
    public static func decode(wav bytes: [UInt8], alphabet: Alphabet = .itu) throws(WAVError) -> DecodedAudio {
        let file = try WAVFile(bytes: bytes)
        guard var decoder = try? MorseAudioDecoder(sampleRate: file.sampleRate, alphabet: alphabet) else {
            throw .unsupportedSampleRate(file.sampleRate)
        }
        var characters: [DecodedCharacter] = []
        file.forEachChunk(of: sliceLength) { characters += decoder.feed($0) }
        characters += decoder.finish()
        return decoder.result(characters)
    }

    func result(_ characters: [DecodedCharacter]) -> DecodedAudio {
        DecodedAudio(
            characters: characters, wpm: wpm, farnsworthWPM: farnsworthWPM, pitchHz: pitchHz,
            durationSeconds: durationSeconds)
    }

    // MARK: - Pipeline

    private mutating func take(_ sample: IQ) {
        tone.add(sample)
        if tone.isLocked, let pitch = tone.pitchHz, pitch != tunedPitch {
            tunedPitch = pitch
            detector.tune(offsetHz: pitch - Downconverter.centreHz)
        }
        detector.noiseVariance = tone.noiseVariance
        delayAndDetect(sample)
    }

    private mutating func delayAndDetect(_ sample: IQ) {
        let delayed = delayLine[delayPosition]
        delayLine[delayPosition] = sample
        delayPosition = delayPosition + 1 == delayLine.count ? 0 : delayPosition + 1
        let ready = delayFilled
        if delayPosition == 0 { delayFilled = true }
        guard ready else { return }
        if let mark = detector.process(delayed, locked: tone.isLocked) {
            timing.quality = min(1, max(0, (detector.levelRatioDB - 6) / 14))
            timing.mark(mark, into: &decoded)
            // Until the timing is known (a first dah may pass for a dit), as for a dit of 40 ms (30 WPM).
            let prior = 0.040 * front.outputRate
            detector.adapt(ditSamples: timing.isSettled ? min(timing.dit, timing.elementGap) : prior)
        }
        if !detector.isMark { timing.tick(now: detector.spaceCertainUntil, into: &decoded) }
    }

    /// The classifier's output as characters, with times in seconds of input.
    private mutating func drain() -> [DecodedCharacter] {
        guard !decoded.isEmpty else { return [] }
        let characters = decoded.map { output in
            DecodedCharacter(
                text: output.text, code: output.code, startSeconds: seconds(atDetectorSample: output.start),
                confidence: output.confidence)
        }
        decoded.removeAll(keepingCapacity: true)
        return characters
    }

    /// Detector sample `index` (baseband sample `index`, seen the delay line's length later) in seconds of input.
    private func seconds(atDetectorSample index: Double) -> Double {
        let input = index * Double(front.factor) + Double(front.factor - 1) - front.delayInputSamples
        return max(0, input / Double(sampleRate))
    }
}
