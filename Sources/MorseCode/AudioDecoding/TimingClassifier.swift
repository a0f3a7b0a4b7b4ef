#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Marks in, characters out: learns the sender's timing from bounded histories of what it has heard.
///
/// - Dit and dah: the last 32 marks split in two clusters (least squares in the log domain, each cluster taken as
///   its median) when they are at least 1.8 times apart; a single cluster is dits, or dahs when it is more than
///   twice the element gap. A mark is a dah above the geometric mean of dit and dah.
/// - Element gap: the lowest cluster of the last 32 spaces (a dit when that cluster is not below two dits). A space
///   longer than two element gaps ends the character, which is decoded at once, with the estimates as they then
///   are: a gap inside it that they now call a letter gap splits it (the first characters of a recording are
///   heard before the timing is known, so a first `T` seen as a dit merges with what follows until then).
/// - Letter and word gaps: the last 16 spaces that ended a character (from 2.2 element gaps), in two clusters at
///   least 1.6 times apart; a single cluster is letter gaps (words of one letter are rare), the word gap then 7/3
///   of it, which holds for standard and Farnsworth spacing alike. A word space is written as soon as a gap passes
///   the geometric mean of the two; before any letter gap is known, when the next character starts (or after 40
///   dits).
/// - Noise: once 8 marks are in, a mark under 0.3 dit is dropped and a gap under 0.3 element gap inside a
///   character is bridged (before that, against a dit of 60 ms).
///
/// Everything is in samples of the detector's rate. Speeds from 4 to 80 WPM are followed.
struct TimingClassifier: Sendable {
    static let maximumElements = 16
    static let defaultDitSeconds = 0.060
    /// The speeds it follows: 4–80 WPM.
    static let shortestDitSeconds = 0.015
    static let longestDitSeconds = 0.300

    /// A decoded character (or word space), start in samples.
    struct Output: Sendable, Equatable {
        var text: String
        var code: String
        var start: Double
        var confidence: Double
    }

    let rate: Double
    let alphabet: Alphabet
    private var marks = BoundedHistory(capacity: 32)
    private var spaces = BoundedHistory(capacity: 32)
    private var longGaps = BoundedHistory(capacity: 16)

    private(set) var dit: Double
    private(set) var dah: Double
    private(set) var elementGap: Double
    private(set) var letterGap: Double?
    private(set) var wordGap: Double?
    private var markThreshold: Double
    private var letterThreshold: Double
    private var wordThreshold: Double?

    private var markLengths: [Double]
    private var markStarts: [Double]
    private var gapLengths: [Double]
    private var elementCount = 0
    private var gapCount = 0
    private var characterOpen = false
    private var lastMarkEnd: Double?
    /// A character has ended and the gap after it is not yet known to be a word gap.
    private var spacePending = false
    private(set) var charactersDecoded = 0
    /// 0...1, from the envelope's signal-to-noise ratio; set by the decoder.
    var quality = 1.0

    init(rate: Double, alphabet: Alphabet) {
        self.rate = rate
        self.alphabet = alphabet
        dit = TimingClassifier.defaultDitSeconds * rate
        dah = 3 * dit
        elementGap = dit
        markThreshold = 3.0.squareRoot() * dit
        letterThreshold = 2 * dit
        markLengths = [Double](repeating: 0, count: TimingClassifier.maximumElements)
        markStarts = [Double](repeating: 0, count: TimingClassifier.maximumElements)
        gapLengths = [Double](repeating: 0, count: TimingClassifier.maximumElements)
    }

    var capacity: Int {
        marks.capacity + spaces.capacity + longGaps.capacity + markLengths.count + markStarts.count
            + gapLengths.count
    }

    /// True once a mark has been heard: the estimates then mean something.
    var hasHeardMarks: Bool { marks.count > 0 }

    /// True after 8 marks: the estimates are then trusted to filter noise and to tune the detector (before, a
    /// first dah may pass for a dit).
    var isSettled: Bool { marks.count >= 8 }

    // MARK: - Events

    mutating func mark(_ mark: EnvelopeDetector.Mark, into output: inout [Output]) {
        let length = mark.end - mark.start
        guard length > 0, length.isFinite else { return }
        // A mark under 0.3 dit is noise (the space goes on), and a gap under 0.3 element gap inside a character is
        // a dropout (the mark goes on); until the timing is known, against a dit of 60 ms.
        let prior = TimingClassifier.defaultDitSeconds * rate
        if length < 0.3 * (isSettled ? dit : prior) { return }
        if characterOpen, let last = lastMarkEnd, mark.start - last < 0.3 * (isSettled ? elementGap : prior),
            elementCount > 0, elementCount <= markLengths.count
        {
            markLengths[elementCount - 1] = mark.end - markStarts[elementCount - 1]
            lastMarkEnd = mark.end
            return
        }
        if let last = lastMarkEnd, mark.start > last {
            let gap = mark.start - last
            spaces.append(gap)
            if characterOpen {
                if gapCount < gapLengths.count { gapLengths[gapCount] = gap }
                gapCount += 1
            } else {
                recordLongGap(gap)
                if spacePending, let wordThreshold, gap > wordThreshold { emitSpace(at: last, into: &output) }
            }
        }
        spacePending = false
        if !characterOpen {
            characterOpen = true
            elementCount = 0
            gapCount = 0
        }
        if elementCount < markLengths.count {
            markLengths[elementCount] = length
            markStarts[elementCount] = mark.start
        }
        elementCount = min(elementCount + 1, markLengths.count + 1)
        marks.append(length)
        lastMarkEnd = mark.end
        updateMarkEstimates()
    }

    /// The current space has lasted up to `now`: ends the character, or writes a word space, once it is long enough.
    mutating func tick(now: Double, into output: inout [Output]) {
        guard let last = lastMarkEnd else { return }
        let gap = now - last
        if characterOpen && gap > letterThreshold {
            closeCharacter(into: &output)
            spacePending = true
        }
        guard spacePending else { return }
        if let wordThreshold, gap > wordThreshold {
            emitSpace(at: last, into: &output)
        } else if wordThreshold == nil && gap > 40 * dit {
            emitSpace(at: last, into: &output)
        }
    }

    /// End of input: the character in progress, whatever the gap after it.
    mutating func finish(into output: inout [Output]) {
        if characterOpen { closeCharacter(into: &output) }
        spacePending = false
    }

    // MARK: - Decisions

    /// Decodes the character heard, with the estimates as they now are: a gap inside it that they now call a letter
    /// or word gap splits it (the first characters of a recording are heard before the timing is known).
    private mutating func closeCharacter(into output: inout [Output]) {
        characterOpen = false
        guard elementCount <= markLengths.count else {
            // More elements than any code has: one unknown character, its code cut at `maximumElements`.
            let code = String(markLengths.map { $0 > markThreshold ? "-" : "." })
            output.append(Output(text: MorseError.placeholder, code: code, start: markStarts[0], confidence: 0))
            charactersDecoded += 1
            return
        }
        var first = 0
        for index in 0..<elementCount {
            let last = index == elementCount - 1
            let gap = last || index >= gapCount ? 0 : gapLengths[index]
            guard last || gap > letterThreshold else { continue }
            emitCharacter(elements: first...index, into: &output)
            first = index + 1
            if !last {
                recordLongGap(gap)
                if let wordThreshold, gap > wordThreshold {
                    emitSpace(at: markStarts[index] + markLengths[index], into: &output)
                }
            }
        }
    }

    private mutating func emitCharacter(elements: ClosedRange<Int>, into output: inout [Output]) {
        var code = ""
        var scores: [Double] = []
        for index in elements {
            let length = markLengths[index]
            let isDah = length > markThreshold
            code.append(isDah ? "-" : ".")
            scores.append(Self.score(length, own: isDah ? dah : dit, other: isDah ? dit : dah))
            if index < elements.upperBound && index < gapCount {
                scores.append(Self.score(gapLengths[index], own: elementGap, other: 3 * elementGap))
            }
        }
        let symbol = alphabet.symbol(for: code)
        let mean = scores.reduce(0, +) / Double(max(1, scores.count))
        var confidence = (0.5 * (scores.min() ?? 1) + 0.5 * mean) * (0.5 + 0.5 * quality)
        if symbol == nil { confidence *= 0.5 }
        output.append(
            Output(
                text: symbol ?? MorseError.placeholder, code: code, start: markStarts[elements.lowerBound],
                confidence: confidence))
        charactersDecoded += 1
    }

    private mutating func emitSpace(at start: Double, into output: inout [Output]) {
        spacePending = false
        output.append(Output(text: " ", code: "/", start: start, confidence: 0.5 + 0.5 * quality))
    }

    /// A gap that ended a character, into the letter and word gap history: only from 2.2 element gaps (a letter
    /// gap is 3; shorter ones are noise that split a character), and pauses cut to ``longestGap``.
    private mutating func recordLongGap(_ gap: Double) {
        guard gap >= 2.2 * elementGap else { return }
        longGaps.append(min(gap, longestGap))
        updateGapEstimates()
    }

    /// Longer gaps (pauses) count as this in the gap history: 2.5 word gaps, or 20 dits before a word gap is known.
    private var longestGap: Double { 2.5 * (wordGap ?? 8 * dit) }

    /// 1 at the centre of its cluster, 0 half way (in the log domain) to the other.
    static func score(_ value: Double, own: Double, other: Double) -> Double {
        guard value > 0, own > 0, other > 0 else { return 0 }
        let near = abs(log(value / own))
        let far = abs(log(value / other))
        guard near + far > 0 else { return 1 }
        return min(1, max(0, 1 - 2 * near / (near + far)))
    }

    // MARK: - Estimates

    private mutating func updateMarkEstimates() {
        guard let clusters = marks.twoClusters(minimumRatio: 1.8) else { return }
        let gap = spaces.lowestCluster()
        if clusters.high > clusters.low {
            dit = clusters.low
            dah = clusters.high
        } else if let gap, clusters.low > 2 * gap {
            dah = clusters.low
            dit = dah / 3
        } else {
            dit = clusters.low
            dah = 3 * dit
        }
        if let gap, gap < 2 * dit {
            elementGap = gap
        } else {
            elementGap = dit
        }
        dit = min(max(dit, TimingClassifier.shortestDitSeconds * rate), TimingClassifier.longestDitSeconds * rate)
        dah = min(max(dah, 2 * dit), 5 * dit)
        elementGap = min(max(elementGap, dit / 2), 2 * dit)
        markThreshold = (dit * dah).squareRoot()
        letterThreshold = 2 * elementGap
    }

    private mutating func updateGapEstimates() {
        // Against the element gap as it is now: gaps recorded while it was underestimated drop out.
        guard let clusters = longGaps.twoClusters(minimumRatio: 1.6, atLeast: 2.2 * elementGap) else { return }
        let letter = clusters.low
        let word = clusters.high > clusters.low ? clusters.high : 7 * letter / 3
        letterGap = letter
        wordGap = word
        wordThreshold = (letter * word).squareRoot()
    }
}
