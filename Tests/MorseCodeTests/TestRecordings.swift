@testable import MorseCode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SplitMix64 {
    /// Uniform in (0, 1].
    mutating func unit() -> Double { Double(next() >> 11 &+ 1) / Double(1 << 53) }

    /// Uniform in [−1, 1).
    mutating func symmetric() -> Double { 2 * Double(next() >> 11) / Double(1 << 53) - 1 }

    /// Standard normal, by Box–Muller.
    mutating func gaussian() -> Double {
        (-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit())
    }
}

/// Recordings for the audio decoder's tests, all deterministic.
enum TestRecordings {
    static let amplitude = 0.8

    /// `text` sent by the project's own synthesizer (``MorseAudio``), as floats, with `padding` seconds of silence
    /// at both ends (0: the sound ends half a keying ramp after the last element).
    static func render(
        _ text: String, wpm: Double = 20, farnsworth: Double? = nil, tone: Double = 600, rate: Int = 8000,
        padding: Double = 0.5
    ) throws -> [Float] {
        let morse = try MorseEncoder().encode(text)
        return try render(morse: morse, wpm: wpm, farnsworth: farnsworth, tone: tone, rate: rate, padding: padding)
    }

    static func render(
        morse: String, wpm: Double = 20, farnsworth: Double? = nil, tone: Double = 600, rate: Int = 8000,
        padding: Double = 0.5
    ) throws -> [Float] {
        let timing = try MorseTiming(wpm: wpm, farnsworthWPM: farnsworth)
        let audio = try MorseAudio(morse: morse, timing: timing, toneHz: tone, sampleRate: rate, amplitude: amplitude)
        let bytes = audio.wavData()
        let silence = [Float](repeating: 0, count: Int(padding * Double(rate)))
        var samples = silence
        samples.reserveCapacity(bytes.count / 2 + 2 * silence.count)
        for at in stride(from: WAVHeader.size, to: bytes.count - 1, by: 2) {
            samples.append(Float(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)) / 32768)
        }
        return samples + silence
    }

    /// Keyed by hand: every element and gap of `text`'s timing stretched by a uniform random ±`jitter`.
    static func handKeyed(
        _ text: String, wpm: Double, jitter: Double, seed: UInt64, tone: Double = 600, rate: Int = 8000
    ) throws -> [Float] {
        let morse = try MorseEncoder().encode(text)
        var generator = SplitMix64(seed: seed)
        let durations = try MorseTiming(wpm: wpm).durations(of: morse).map { $0 * (1 + jitter * generator.symmetric()) }
        return key(durations, rate: rate, pitch: { _ in tone })
    }

    /// On/off durations in ms (silence negative), raised-cosine edges of 5 ms centred on each edge, 0.5 s of silence
    /// at both ends; the pitch may change with time (seconds from the first sample).
    static func key(_ durations: [Double], rate: Int, pitch: (Double) -> Double) -> [Float] {
        let fs = Double(rate)
        let ramp = 0.005 * fs
        let lead = 0.5 * fs
        let total = durations.reduce(0) { $0 + abs($1) } * fs / 1000
        var envelope = [Double](repeating: 0, count: Int(2 * lead + total + ramp))
        var clock = lead
        for duration in durations {
            let length = abs(duration) * fs / 1000
            defer { clock += length }
            guard duration > 0 else { continue }
            let rise = clock
            let fall = clock + length
            for n in max(0, Int(rise - ramp / 2))..<min(envelope.count, Int(fall + ramp / 2) + 1) {
                let t = Double(n)
                let up = min(1, max(0, (t - (rise - ramp / 2)) / ramp))
                let down = min(1, max(0, ((fall + ramp / 2) - t) / ramp))
                let value = 0.5 * (1 - cos(Double.pi * min(up, down)))
                envelope[n] = max(envelope[n], value)
            }
        }
        var phase = 0.0
        var samples = [Float](repeating: 0, count: envelope.count)
        for n in 0..<envelope.count {
            samples[n] = Float(amplitude * envelope[n] * sin(phase))
            phase += 2 * Double.pi * pitch(Double(n) / fs) / fs
            if phase > 2 * Double.pi { phase -= 2 * Double.pi }
        }
        return samples
    }

    /// Adds white Gaussian noise for `snrDB` in a 2500 Hz bandwidth (the hams' convention, reference sheet): the
    /// tone's power (amplitude² / 2) over the noise power in 2500 Hz, σ² · 2500 / (rate / 2).
    static func addNoise(_ samples: inout [Float], snrDB: Double, rate: Int, seed: UInt64) {
        let signalPower = amplitude * amplitude / 2
        let noiseIn2500 = signalPower / pow(10, snrDB / 10)
        let sigma = (noiseIn2500 * (Double(rate) / 2) / 2500).squareRoot()
        var generator = SplitMix64(seed: seed)
        for n in samples.indices { samples[n] += Float(sigma * generator.gaussian()) }
    }

    /// Character error rate: Levenshtein distance over the expected length.
    static func characterErrorRate(_ got: String, _ expected: String) -> Double {
        let a = Array(got)
        let b = Array(expected)
        guard !b.isEmpty else { return a.isEmpty ? 0 : 1 }
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return Double(a.isEmpty ? b.count : previous[b.count]) / Double(b.count)
    }
}
