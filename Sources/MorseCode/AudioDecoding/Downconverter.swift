#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A complex sample.
struct IQ: Sendable {
    var re: Float
    var im: Float

    static let zero = IQ(re: 0, im: 0)
}

/// The decoder's first stage: real PCM at any rate to complex baseband at about 2 kHz, in which the search band
/// 300–1200 Hz sits at −450…+450 Hz.
///
/// Each sample is multiplied by e^(−j2π·750·n/fs) (a rotating phasor, renormalised at every output), low-pass
/// filtered by a Hann-windowed sinc of 6R + 1 taps cut at half the output rate, and every R-th output kept (only the
/// kept outputs are computed), R = round(fs / 2000). The tone's image lands at −(f + 750) Hz: in the stop band, or
/// after decimation outside the search band. Noise beyond the band is attenuated by about 40 dB before it folds.
struct Downconverter: Sendable {
    static let targetRate = 2000.0
    static let centreHz = 750.0
    /// Input samples are clamped to ±this (and NaN read as 0), so no input can overflow a sum.
    static let sampleLimit: Float = 16

    /// R: input samples per output sample.
    let factor: Int
    let outputRate: Double
    private let taps: [Float]
    /// The mixed samples twice over (index i and i + taps.count), so the last `taps.count` are contiguous.
    private var re: [Float]
    private var im: [Float]
    private var position = 0
    private var phase = 0
    private var phasorRe = 1.0
    private var phasorIm = 0.0
    private let stepRe: Double
    private let stepIm: Double

    init(sampleRate: Int) {
        let rate = Double(max(1, sampleRate))
        factor = max(1, Int(clamping: rate / Downconverter.targetRate, to: 1...1000))
        outputRate = rate / Double(factor)
        let count = 6 * factor + 1
        let cutoff = 0.5 / Double(factor)
        let middle = Double(count - 1) / 2
        var values = [Double](repeating: 0, count: count)
        for k in 0..<count {
            let t = Double(k) - middle
            let sinc = t == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * t) / (Double.pi * t)
            let window = 0.5 - 0.5 * cos(2 * Double.pi * Double(k + 1) / Double(count + 1))
            values[k] = sinc * window
        }
        let sum = values.reduce(0, +)
        taps = values.map { Float($0 / sum) }
        re = [Float](repeating: 0, count: 2 * count)
        im = [Float](repeating: 0, count: 2 * count)
        let omega = 2 * Double.pi * Downconverter.centreHz / rate
        stepRe = cos(omega)
        stepIm = -sin(omega)
    }

    /// Input samples from an input to the centre of the filter's window: the delay of the output.
    var delayInputSamples: Double { Double(taps.count - 1) / 2 }

    /// Input samples the filter spans: how many zeros flush it.
    var span: Int { taps.count }

    var capacity: Int { taps.count + re.count + im.count }

    /// Mixes and filters `input`, appending one output per `factor` inputs to `output`.
    mutating func process(_ input: UnsafeBufferPointer<Float>, into output: inout [IQ]) {
        let count = taps.count
        let factor = factor
        let (stepRe, stepIm) = (stepRe, stepIm)
        var (phasorRe, phasorIm) = (phasorRe, phasorIm)
        var position = position
        var phase = phase
        taps.withUnsafeBufferPointer { taps in
            re.withUnsafeMutableBufferPointer { re in
                im.withUnsafeMutableBufferPointer { im in
                    for sample in input {
                        var x = sample
                        if !(abs(x) <= Downconverter.sampleLimit) {
                            x = x.isNaN ? 0 : (x > 0 ? Downconverter.sampleLimit : -Downconverter.sampleLimit)
                        }
                        let mixedRe = x * Float(phasorRe)
                        let mixedIm = x * Float(phasorIm)
                        re[position] = mixedRe
                        re[position + count] = mixedRe
                        im[position] = mixedIm
                        im[position + count] = mixedIm
                        position += 1
                        if position == count { position = 0 }
                        let rotated = phasorRe * stepRe - phasorIm * stepIm
                        phasorIm = phasorRe * stepIm + phasorIm * stepRe
                        phasorRe = rotated
                        phase += 1
                        guard phase == factor else { continue }
                        phase = 0
                        // The window, oldest first, is re[position ..< position + count].
                        var sumRe: Float = 0
                        var sumIm: Float = 0
                        for k in 0..<count {
                            let tap = taps[k]
                            sumRe += tap * re[position + k]
                            sumIm += tap * im[position + k]
                        }
                        output.append(IQ(re: sumRe, im: sumIm))
                        let magnitude = (phasorRe * phasorRe + phasorIm * phasorIm).squareRoot()
                        phasorRe /= magnitude
                        phasorIm /= magnitude
                    }
                }
            }
        }
        self.phasorRe = phasorRe
        self.phasorIm = phasorIm
        self.position = position
        self.phase = phase
    }
}
