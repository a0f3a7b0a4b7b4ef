/// Element and gap lengths at a speed, by the PARIS standard, with optional Farnsworth spacing.
///
/// One unit is 1200 / WPM ms ("PARIS " is 50 units). With Farnsworth (ARRL, Bloom, QEX April 1990), characters
/// are sent at `wpm` and gaps between them are stretched so the whole runs at `farnsworthWPM`:
/// `ta = (60c − 37.2s) / (c·s)` s, letter gap `3·ta/19`, word gap `7·ta/19`.
public struct MorseTiming: Sendable, Equatable {
    static let wpmRange: ClosedRange<Double> = 1...100

    /// Character speed.
    public let wpm: Double
    /// Overall speed, at most `wpm`; equal to `wpm` without Farnsworth spacing.
    public let farnsworthWPM: Double

    public init(wpm: Double, farnsworthWPM: Double? = nil) throws(TimingError) {
        guard MorseTiming.wpmRange.contains(wpm) else { throw .speedOutOfRange(wpm) }
        let overall = farnsworthWPM ?? wpm
        guard MorseTiming.wpmRange.contains(overall) else { throw .speedOutOfRange(overall) }
        guard overall <= wpm else { throw .farnsworthFasterThanCharacters(overall: overall, character: wpm) }
        self.wpm = wpm
        self.farnsworthWPM = overall
    }

    /// 1200 / WPM ms.
    public var unitMs: Double { 1200 / wpm }

    public var letterGapMs: Double {
        farnsworthWPM < wpm ? 3 * farnsworthUnitMs : 3 * unitMs
    }

    public var wordGapMs: Double {
        farnsworthWPM < wpm ? 7 * farnsworthUnitMs : 7 * unitMs
    }

    /// `ta / 19` in ms.
    private var farnsworthUnitMs: Double {
        let c = wpm
        let s = farnsworthWPM
        return (60 * c - 37.2 * s) / (c * s) * 1000 / 19
    }

    public func milliseconds(of signal: MorseSignal) -> Double {
        switch signal {
        case .dit, .elementGap: unitMs
        case .dah: 3 * unitMs
        case .letterGap: letterGapMs
        case .wordGap: wordGapMs
        }
    }

    /// On and off durations in ms, silence negative: `.- . / .` at 20 WPM is `[60, -60, 180, -180, 60, -420, 60]`.
    func durations(of morse: String) -> [Double] {
        MorseSignals(morse).map { ($0.isOn ? 1 : -1) * milliseconds(of: $0) }
    }

    /// Total duration in ms, without a trailing gap.
    public func durationMs(of morse: String) -> Double {
        MorseSignals(morse).reduce(0) { $0 + milliseconds(of: $1) }
    }
}

public enum TimingError: Error, Equatable, Sendable, CustomStringConvertible {
    case speedOutOfRange(Double)
    case farnsworthFasterThanCharacters(overall: Double, character: Double)

    public var description: String {
        switch self {
        case .speedOutOfRange(let wpm):
            "speed \(wpm) WPM is out of range \(Int(MorseTiming.wpmRange.lowerBound))-\(Int(MorseTiming.wpmRange.upperBound))"
        case .farnsworthFasterThanCharacters(let overall, let character):
            "Farnsworth speed \(overall) WPM must not exceed the character speed \(character) WPM"
        }
    }
}
