#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The chunks of a WAV file: the header first, then 16-bit little-endian PCM.
public struct WAVChunks: Sequence, Sendable {
    let audio: MorseAudio
    let samplesPerChunk: Int

    public func makeIterator() -> Iterator { Iterator(audio: audio, samplesPerChunk: samplesPerChunk) }

    public struct Iterator: IteratorProtocol, Sendable {
        let samplesPerChunk: Int
        let total: Int
        let ramp: Double
        let phaseStep: Double
        let scale: Double
        let samplesPerMs: Double
        let timing: MorseTiming
        var signals: MorseSignals.Iterator
        var headerSent = false
        var header: [UInt8]
        var position = 0
        /// Elapsed time at the start of the next signal, in ms.
        var clockMs = 0.0
        /// The current element: centres of its rising and falling edges, in samples.
        var element: (rise: Double, fall: Double)?

        init(audio: MorseAudio, samplesPerChunk: Int) {
            self.samplesPerChunk = samplesPerChunk
            total = audio.sampleCount
            ramp = audio.rampSamples
            phaseStep = 2 * Double.pi * audio.toneHz / Double(audio.sampleRate)
            scale = audio.amplitude * Double(Int16.max)
            samplesPerMs = Double(audio.sampleRate) / 1000
            timing = audio.timing
            signals = MorseSignals(audio.morse).makeIterator()
            header = audio.wavHeader()
            element = nil
            advance()
        }

        /// Moves to the next on-element, adding up the gaps before it.
        mutating func advance() {
            element = nil
            while let signal = signals.next() {
                let length = timing.milliseconds(of: signal)
                defer { clockMs += length }
                if signal.isOn {
                    let lead = ramp / 2
                    element = (lead + clockMs * samplesPerMs, lead + (clockMs + length) * samplesPerMs)
                    return
                }
            }
        }

        public mutating func next() -> [UInt8]? {
            if !headerSent {
                headerSent = true
                return header
            }
            guard position < total else { return nil }
            let end = Swift.min(total, position + samplesPerChunk)
            var chunk = [UInt8](repeating: 0, count: (end - position) * 2)
            let start = position
            chunk.withUnsafeMutableBytes { bytes in
                for n in position..<end {
                    let sample = Double(n)
                    var envelope = 0.0
                    while let current = element, sample >= current.fall + ramp / 2 { advance() }
                    if let (rise, fall) = element {
                        let up = sample - (rise - ramp / 2)
                        let down = sample - (fall - ramp / 2)
                        if up <= 0 {
                            envelope = 0
                        } else if up < ramp {
                            envelope = 0.5 * (1 - cos(Double.pi * up / ramp))
                        } else if down <= 0 {
                            envelope = 1
                        } else {
                            envelope = 0.5 * (1 + cos(Double.pi * down / ramp))
                        }
                    }
                    let value = envelope == 0 ? 0 : Int16((scale * envelope * sin(phaseStep * sample)).rounded())
                    bytes.storeBytes(of: value.littleEndian, toByteOffset: (n - start) * 2, as: Int16.self)
                }
            }
            position = end
            return chunk
        }
    }
}
