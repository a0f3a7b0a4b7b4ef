import MorseCode

/// The `timing` member of the encode answer: how long the worker's sound (`/api/v1/audio` at the same speeds)
/// holds each element and gap, and how long it is silent before the first element, in ms.
///
/// The page lights its tape by these lengths, so that the timing rules (PARIS units, the ARRL Farnsworth formula,
/// the keying ramp) live in `MorseTiming` and `MorseAudio` alone.
enum TimingJSON {
    /// `{"ditMs", "dahMs", "elementGapMs", "letterGapMs", "wordGapMs", "leadMs"}`.
    static func object(_ timing: MorseTiming) -> [UInt8] {
        // The WAV begins with half a keying ramp of silence; making the audio only reads the timing, it never fails
        // with the default tone and rate.
        let rampMs = (try? MorseAudio(morse: "", timing: timing))?.rampMs ?? 0
        return JSONWriter.object([
            "ditMs": .double(timing.milliseconds(of: .dit)),
            "dahMs": .double(timing.milliseconds(of: .dah)),
            "elementGapMs": .double(timing.milliseconds(of: .elementGap)),
            "letterGapMs": .double(timing.letterGapMs),
            "wordGapMs": .double(timing.wordGapMs),
            "leadMs": .double(rampMs / 2),
        ])
    }
}
