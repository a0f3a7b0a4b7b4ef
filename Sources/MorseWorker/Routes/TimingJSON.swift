import MorseCode

/// The `timing` member of the encode answer: how long the worker's sound (`/api/v1/audio` at the same speeds)
/// holds each element and gap, and how long it is silent before the first element, in ms.
///
/// The page lights its tape by these lengths, so that the timing rules (PARIS units, the ARRL Farnsworth formula,
/// the keying ramp) live in `MorseTiming` and `MorseAudio` alone.
enum TimingJSON {
    /// `{"ditMs", "dahMs", "elementGapMs", "letterGapMs", "wordGapMs", "leadMs"}`; at the default speed (most
    /// requests name none) written once.
    static func object(_ timing: MorseTiming) -> [UInt8] {
        timing == defaultSpeed.timing ? defaultSpeed.json : write(timing)
    }

    private static let defaultSpeed: (timing: MorseTiming, json: [UInt8]) = {
        let timing = try! MorseTiming(wpm: Bounds.defaultWPM)
        return (timing, write(timing))
    }()

    private static func write(_ timing: MorseTiming) -> [UInt8] {
        JSONWriter.object([
            "ditMs": .double(timing.milliseconds(of: .dit)),
            "dahMs": .double(timing.milliseconds(of: .dah)),
            "elementGapMs": .double(timing.milliseconds(of: .elementGap)),
            "letterGapMs": .double(timing.letterGapMs),
            "wordGapMs": .double(timing.wordGapMs),
            // The WAV begins with half a keying ramp of silence.
            "leadMs": .double(MorseAudio.rampMs(at: timing) / 2),
        ])
    }
}
