#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the tone in 300–1200 Hz and follows its drift.
///
/// Blocks of 64 baseband samples (≈ 32 ms) are Hann-windowed and their power taken at every 10 Hz of the band
/// (a DFT evaluated at those frequencies: 91 bins of ≈ 47 Hz noise bandwidth). The powers are averaged over time
/// (a plain mean for the first blocks, then exponentially with a 1.5 s time constant), so a keyed tone, present
/// about half of the time, stands out of white noise. The tone is the strongest bin, refined by a parabola through
/// the log powers of it and its neighbours; it is `isLocked` while it is 3.5 times the median bin (2.5 times to stay
/// locked), above an absolute floor, and after 8 blocks: noise alone and silence never lock.
struct ToneTracker: Sendable {
    static let blockLength = 64
    static let lowestHz = 300.0
    static let highestHz = 1200.0
    static let spacingHz = 10.0
    static let timeConstant = 1.5
    static let lockRatio = 3.5
    static let unlockRatio = 2.5
    /// Below this averaged power (a tone of about −100 dBFS), nothing locks.
    static let powerFloor = 1e-9
    /// Blocks averaged before a lock (≈ 0.25 s): the first blocks of noise alone have peaks 5 times their median.
    static let blocksBeforeLock = 8

    let binCount: Int
    /// Per bin, `blockLength` pairs (re, im) of window × e^(−j2π·f·n/rate).
    private let table: [Float]
    private var block: [IQ]
    private var filled = 0
    private var average: [Double]
    private var sortedScratch: [Double]
    private var blocks = 0
    private let smoothing: Double
    private(set) var pitchHz: Double?
    private(set) var isLocked = false
    /// The noise's power per baseband sample, as if white at the level of the median bin: what a filter of `n`
    /// samples lets through is this / n.
    private(set) var noiseVariance = 0.0
    /// Σ w² of the window: a bin of white noise of variance σ² holds σ² Σ w².
    private let windowEnergy: Double

    init(rate: Double, centreHz: Double) {
        let bins = Int((ToneTracker.highestHz - ToneTracker.lowestHz) / ToneTracker.spacingHz) + 1
        binCount = bins
        let length = ToneTracker.blockLength
        var table = [Float](repeating: 0, count: bins * length * 2)
        for bin in 0..<bins {
            let offset = ToneTracker.lowestHz + Double(bin) * ToneTracker.spacingHz - centreHz
            for n in 0..<length {
                let window = 0.5 - 0.5 * cos(2 * Double.pi * (Double(n) + 0.5) / Double(length))
                let angle = -2 * Double.pi * offset * Double(n) / rate
                table[(bin * length + n) * 2] = Float(window * cos(angle))
                table[(bin * length + n) * 2 + 1] = Float(window * sin(angle))
            }
        }
        self.table = table
        windowEnergy = (0..<length).reduce(0.0) { sum, n in
            let window = 0.5 - 0.5 * cos(2 * Double.pi * (Double(n) + 0.5) / Double(length))
            return sum + window * window
        }
        block = [IQ](repeating: .zero, count: length)
        average = [Double](repeating: 0, count: bins)
        sortedScratch = [Double](repeating: 0, count: bins)
        smoothing = Double(length) / rate / ToneTracker.timeConstant
    }

    var capacity: Int { table.count + block.count + average.count + sortedScratch.count }

    mutating func add(_ sample: IQ) {
        block[filled] = sample
        filled += 1
        if filled == ToneTracker.blockLength {
            filled = 0
            analyse()
        }
    }

    private mutating func analyse() {
        let length = ToneTracker.blockLength
        let weight = max(1 / Double(blocks + 1), smoothing)
        blocks = min(blocks + 1, 1 << 30)
        let bins = binCount
        block.withUnsafeBufferPointer { block in
            table.withUnsafeBufferPointer { table in
                average.withUnsafeMutableBufferPointer { average in
                    for bin in 0..<bins {
                        var sumRe: Float = 0
                        var sumIm: Float = 0
                        let base = bin * length * 2
                        for n in 0..<length {
                            let x = block[n]
                            let wRe = table[base + 2 * n]
                            let wIm = table[base + 2 * n + 1]
                            sumRe += x.re * wRe - x.im * wIm
                            sumIm += x.re * wIm + x.im * wRe
                        }
                        let power = Double(sumRe * sumRe + sumIm * sumIm)
                        average[bin] += weight * (power - average[bin])
                    }
                }
            }
        }
        var peak = 0
        for bin in 1..<bins where average[bin] > average[peak] { peak = bin }
        for bin in 0..<bins { sortedScratch[bin] = average[bin] }
        sortedScratch.sort()
        let median = sortedScratch[bins / 2]
        noiseVariance = median.isFinite ? median / windowEnergy : 0
        let strongest = average[peak]
        let ratio = isLocked ? ToneTracker.unlockRatio : ToneTracker.lockRatio
        isLocked =
            blocks >= ToneTracker.blocksBeforeLock && strongest.isFinite && strongest > ToneTracker.powerFloor
            && strongest > ratio * median
        guard isLocked else { return }
        var offset = 0.0
        if peak > 0, peak < bins - 1, average[peak - 1] > 0, average[peak + 1] > 0 {
            let left = log(average[peak - 1])
            let centre = log(strongest)
            let right = log(average[peak + 1])
            let curvature = left - 2 * centre + right
            if curvature < 0 { offset = min(0.5, max(-0.5, 0.5 * (left - right) / curvature)) }
        }
        pitchHz = ToneTracker.lowestHz + (Double(peak) + offset) * ToneTracker.spacingHz
    }
}
