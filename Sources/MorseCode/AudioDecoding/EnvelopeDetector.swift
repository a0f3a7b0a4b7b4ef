#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Mark or space, sample by sample, at the tracked pitch.
///
/// The baseband is shifted so the pitch sits at 0 Hz and averaged over a sliding window (a coherent boxcar: noise
/// bandwidth 1 / window, so 40 ms gain 20 dB on a 2500 Hz bandwidth); the envelope is the magnitude of that
/// average. The window is 20 ms until the timing is known, then half a dit (up to 0.8 dit when the signal is weak),
/// within 12–40 ms. A step in amplitude crosses half its height half a window late, at both edges, so durations
/// measured at half height are exact and times are corrected by the half window.
///
/// The threshold adapts: a mark level and a space level are tracked as a running two-means of the envelope (each
/// sample updates the level it is nearer to; the mark level rises fast, falls over 250 ms, and decays towards the
/// space level over 10 s of silence). A mark starts above 55 % of the way from space to mark level and ends below
/// 45 %, and never below `squelch` times the mean envelope of the noise (from the tone search's median bin), so
/// noise alone (in a pause, or before the first mark while the look-ahead has already locked the tone) makes
/// almost no marks. A change of state counts only once it has lasted `debounce` samples (a quarter dit, at least
/// 5 ms); its time is then backdated to where it began, so a noise spike makes no mark and a dropout splits no dah.
struct EnvelopeDetector: Sendable {
    /// A mark, in baseband samples from the start, already corrected for the window's delay.
    struct Mark: Sendable, Equatable {
        var start: Double
        var end: Double
    }

    let rate: Double
    let maximumWindow: Int
    let minimumWindow: Int
    private(set) var window: Int
    private(set) var debounce: Int
    /// 5 ms: a quarter of a dit at 60 WPM.
    let minimumDebounce: Int

    private var phasorRe = 1.0
    private var phasorIm = 0.0
    private var stepRe = 1.0
    private var stepIm = 0.0
    private var boxcar: [IQ]
    private var boxcarPosition = 0
    private var sumRe = 0.0
    private var sumIm = 0.0

    private(set) var markLevel = 0.0
    private(set) var spaceLevel = 0.0
    private let attack: Double
    private let release: Double
    private let spaceSmoothing: Double
    private let idleDecay: Double

    /// A mark starts only above this many times the noise's mean envelope (and ends below 2.5 times): noise
    /// alone, whose envelope is Rayleigh-distributed, gets there for 0.08 % of independent samples.
    static let squelch = 3.0
    /// The noise's power per sample (``ToneTracker/noiseVariance``); set by the decoder.
    var noiseVariance = 0.0
    /// Space-level updates with a non-zero envelope so far (capped): the first ones are averaged plainly, so the
    /// level is right within a few milliseconds of noise after silence.
    private var spaceUpdates = 0
    private var raw = false
    private(set) var isMark = false
    /// Where the pending change of state began, if the raw state differs from the decided one.
    private var pendingSince: Int?
    private var markStart = 0
    /// Baseband samples processed.
    private(set) var index = 0

    init(rate: Double) {
        self.rate = rate
        maximumWindow = max(2, Int(clamping: 0.040 * rate, to: 2...100_000))
        minimumWindow = max(2, Int(clamping: 0.012 * rate, to: 2...100_000))
        // Until the timing is known: right for dits of 30 ms (40 WPM) and more.
        window = min(maximumWindow, max(minimumWindow, Int(clamping: 0.020 * rate, to: 2...100_000)))
        boxcar = [IQ](repeating: .zero, count: maximumWindow)
        minimumDebounce = max(2, Int(clamping: 0.005 * rate, to: 2...100_000))
        debounce = minimumDebounce
        attack = 1 / max(1, 0.005 * rate)
        release = 1 / max(1, 0.025 * rate)
        spaceSmoothing = 1 / max(1, 0.25 * rate)
        idleDecay = 1 / max(1, 10 * rate)
    }

    var capacity: Int { boxcar.count }

    /// The envelope's delay, in samples: edges are reported this much earlier than they are seen.
    var delay: Double { Double(window - 1) / 2 }

    /// Envelope signal-to-noise ratio as mark level over space level, in dB (100 when the space level is 0).
    var levelRatioDB: Double {
        guard markLevel > 0 else { return 0 }
        guard spaceLevel > markLevel * 1e-5 else { return 100 }
        return 20 * log10(markLevel / spaceLevel)
    }

    /// Sets the pitch as an offset from the baseband's centre.
    mutating func tune(offsetHz: Double) {
        let omega = -2 * Double.pi * offsetHz / rate
        stepRe = cos(omega)
        stepIm = sin(omega)
    }

    /// Adapts window and debounce to a dit of `ditSamples`. The window is half a dit when the marks stand 20 dB or
    /// more above the noise, growing to 0.8 dit at 12 dB and below: more noise rejection where it is needed.
    mutating func adapt(ditSamples: Double) {
        debounce = Int(clamping: 0.25 * ditSamples, to: minimumDebounce...max(minimumDebounce, 4 * maximumWindow))
        let ratio = markLevel / max(noiseEnvelope, markLevel * 1e-6)
        let ratioDB = ratio > 0 ? 20 * log10(ratio) : 0
        let fraction = 0.8 - 0.3 * min(1, max(0, (ratioDB - 12) / 8))
        let target = Int(clamping: fraction * ditSamples, to: minimumWindow...maximumWindow)
        guard abs(Double(target - window)) > 0.2 * Double(window) else { return }
        window = target
        // The sum of the newest `window` samples, afresh.
        sumRe = 0
        sumIm = 0
        for back in 1...window {
            let sample = boxcar[(boxcarPosition - back + 2 * boxcar.count) % boxcar.count]
            sumRe += Double(sample.re)
            sumIm += Double(sample.im)
        }
    }

    /// The mean envelope of noise alone through the window: Rayleigh, √(π/4 · σ² / window).
    var noiseEnvelope: Double { (0.785_398 * max(0, noiseVariance) / Double(window)).squareRoot() }

    /// Takes one baseband sample; returns the mark that ended, if one did. `locked` false forces a space.
    mutating func process(_ sample: IQ, locked: Bool) -> Mark? {
        let re = Double(sample.re) * phasorRe - Double(sample.im) * phasorIm
        let im = Double(sample.re) * phasorIm + Double(sample.im) * phasorRe
        let rotated = phasorRe * stepRe - phasorIm * stepIm
        phasorIm = phasorRe * stepIm + phasorIm * stepRe
        phasorRe = rotated
        if index & 1023 == 0 {
            let magnitude = (phasorRe * phasorRe + phasorIm * phasorIm).squareRoot()
            phasorRe /= magnitude
            phasorIm /= magnitude
        }
        let count = boxcar.count
        let dropped = boxcar[(boxcarPosition - window + count) % count]
        boxcar[boxcarPosition] = IQ(re: Float(re), im: Float(im))
        boxcarPosition = boxcarPosition + 1 == count ? 0 : boxcarPosition + 1
        sumRe += Double(Float(re)) - Double(dropped.re)
        sumIm += Double(Float(im)) - Double(dropped.im)
        let envelope = (sumRe * sumRe + sumIm * sumIm).squareRoot() / Double(window)

        let middle = (markLevel + spaceLevel) / 2
        if envelope > middle {
            markLevel += (envelope > markLevel ? attack : release) * (envelope - markLevel)
        } else {
            if envelope > 0 && spaceUpdates < 1 << 20 { spaceUpdates += 1 }
            spaceLevel += max(spaceSmoothing, 1 / Double(spaceUpdates + 1)) * (envelope - spaceLevel)
            markLevel += idleDecay * (spaceLevel - markLevel)
        }
        let noise = noiseEnvelope
        if locked && markLevel > 2 * spaceLevel && markLevel > 2 * noise {
            let span = markLevel - spaceLevel
            raw =
                raw
                ? envelope >= max(spaceLevel + 0.45 * span, (Self.squelch - 0.5) * noise)
                : envelope > max(spaceLevel + 0.55 * span, Self.squelch * noise)
        } else {
            raw = false
        }

        var ended: Mark?
        if raw == isMark {
            pendingSince = nil
        } else {
            let since = pendingSince ?? index
            pendingSince = since
            if index - since + 1 >= debounce {
                isMark = raw
                pendingSince = nil
                if isMark {
                    markStart = since
                } else {
                    ended = Mark(start: Double(markStart) - delay, end: Double(since) - delay)
                }
            }
        }
        index += 1
        return ended
    }

    /// The time, as `Mark` counts it, up to which the current space is certain: a pending mark has begun already.
    var spaceCertainUntil: Double { Double(pendingSince ?? index) - delay }

    /// Ends a mark in progress at the current sample (end of input).
    mutating func close() -> Mark? {
        guard isMark else { return nil }
        isMark = false
        raw = false
        let end = Double(pendingSince ?? index) - delay
        pendingSince = nil
        return Mark(start: Double(markStart) - delay, end: end)
    }
}
