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
///   longer than the letter threshold ends the character, which is decoded at once, with the estimates as they
///   then are: a gap inside it that they now call a letter gap splits it. The letter threshold is two element gaps
///   until letter gaps are known, then the geometric mean of element and letter gap (a hand's timing varies in
///   proportion to the length, so the middle in the log domain errs least).
/// - The first characters are held in one group until the timing is known (8 marks and two gaps that end a
///   character, or 4 s from the first mark), then split and read together with what all of them taught: a first
///   dah is not read as a dit, and a one-letter first word keeps its space.
/// - Letter and word gaps: the last 32 spaces that ended a character (from 2.2 element gaps), in two clusters at
///   least 1.6 times apart; a single cluster is letter gaps. Standard and Farnsworth spacing alike make the word
///   gap 7/3 of the letter gap: that alone when no word gap cluster is heard, else weighed with it (a hand's few
///   word gaps vary most). A word space is written as soon as a gap passes the geometric mean of letter and word
///   gap; before any letter gap is known, when the next character starts (or after 40 dits).
/// - Noise: once 8 marks are in, a mark under 0.3 dit is dropped and a gap under 0.3 element gap inside a
///   character is bridged (before that, against a dit of 60 ms).
///
/// Everything is in samples of the detector's rate. Speeds from 4 to 80 WPM are followed.
struct TimingClassifier: Sendable {
    static let maximumElements = 16
    /// The marks and gaps one held group keeps: the first characters, held until the timing is known, or one
    /// character of up to ``maximumElements``.
    static let heldElements = 32
    /// The longest the first characters are held, from the first mark, in seconds.
    static let longestHold = 4.0
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
    private var longGaps = BoundedHistory(capacity: 32)

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
    /// The first characters are held in one group until the timing is known: 8 marks and two gaps that end a
    /// character (so that a word gap among them is told from a letter gap), or 4 s of sound, whichever comes first.
    private var holding = true
    private var heldLongGaps = 0
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
        markLengths = [Double](repeating: 0, count: TimingClassifier.heldElements)
        markStarts = [Double](repeating: 0, count: TimingClassifier.heldElements)
        gapLengths = [Double](repeating: 0, count: TimingClassifier.heldElements)
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
            // The held group is as long as one character may be: decode it with what is known.
            if characterOpen && elementCount >= TimingClassifier.maximumElements && gap > letterThreshold {
                closeCharacter(into: &output)
                spacePending = true
            }
            spaces.append(gap)
            if characterOpen {
                if gapCount < gapLengths.count { gapLengths[gapCount] = gap }
                gapCount += 1
                if gap > letterThreshold { heldLongGaps += 1 }
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
        // Until the timing is known, the first characters are held and decoded together once it is, so the timing
        // learnt from all of them splits and reads each; a long pause ends the wait.
        let held =
            holding && !(isSettled && heldLongGaps >= 2) && now - markStarts[0] < TimingClassifier.longestHold * rate
        if characterOpen && gap > letterThreshold && (!held || gap > 20 * dit) {
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
        holding = false
        guard elementCount <= markLengths.count else {
            // More elements than any code has: one unknown character, its code cut at `heldElements`.
            let code = String(markLengths.map { $0 > markThreshold ? "-" : "." })
            output.append(Output(text: MorseError.placeholder, code: code, start: markStarts[0], confidence: 0))
            charactersDecoded += 1
            return
        }
        // The gaps that end characters go into the history first, so that every split and space of a held group is
        // decided by the estimates all of its gaps give.
        for index in 0..<max(0, min(gapCount, elementCount - 1)) where gapLengths[index] > letterThreshold {
            recordLongGap(gapLengths[index])
        }
        var first = 0
        for index in 0..<elementCount {
            let last = index == elementCount - 1
            let gap = last || index >= gapCount ? 0 : gapLengths[index]
            guard last || gap > letterThreshold else { continue }
            emitCharacter(elements: first...index, into: &output)
            first = index + 1
            if !last, let wordThreshold, gap > wordThreshold {
                emitSpace(at: markStarts[index] + markLengths[index], into: &output)
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
        updateLetterThreshold()
    }

    /// Between the element gap and the letter gap: their geometric mean once letter gaps have been heard (a hand's
    /// timing varies in proportion to the length, so the middle in the log domain errs least), two element gaps
    /// before.
    private mutating func updateLetterThreshold() {
        guard let letterGap, letterGap > elementGap else {
            letterThreshold = 2 * elementGap
            return
        }
        letterThreshold = min(max((elementGap * letterGap).squareRoot(), 1.6 * elementGap), 3 * elementGap)
    }

    private mutating func updateGapEstimates() {
        // Against the element gap as it is now: gaps recorded while it was underestimated drop out.
        guard let clusters = longGaps.twoClusters(minimumRatio: 1.6, atLeast: 2.2 * elementGap) else { return }
        let letter = clusters.low
        // Both standard and Farnsworth spacing make the word gap 7/3 of the letter gap; a hand's word gaps are
        // fewer and vary more than its letter gaps, so what was heard is weighed with that ratio (geometric mean).
        let word = clusters.high > clusters.low ? (clusters.high * 7 * letter / 3).squareRoot() : 7 * letter / 3
        letterGap = letter
        wordGap = word
        wordThreshold = (letter * word).squareRoot()
        updateLetterThreshold()
    }
}
