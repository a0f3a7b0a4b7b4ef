import Foundation
import Testing

@testable import MorseCode

@Suite struct AudioTests {
    static func samples(_ audio: MorseAudio) -> [Int16] {
        let data = audio.wavData()
        return stride(from: WAVHeader.size, to: data.count, by: 2).map {
            Int16(bitPattern: UInt16(data[$0]) | UInt16(data[$0 + 1]) << 8)
        }
    }

    @Test func headerMatchesTheReferenceExample() {
        // "E" at 20 WPM, 8000 Hz with no padding: 480 samples, a 1004-byte file.
        let header = WAVHeader.bytes(sampleCount: 480, sampleRate: 8000)
        #expect(header.count == 44)
        #expect(Array(header.prefix(12)) == [0x52, 0x49, 0x46, 0x46, 0xE4, 0x03, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45])
        #expect(44 + 480 * 2 == 1004)
    }

    @Test func headerFieldsAreExact() throws {
        let audio = try MorseAudio(morse: "... --- ...", timing: MorseTiming(wpm: 20), toneHz: 700, sampleRate: 11025)
        let data = audio.wavData()
        func u32(_ at: Int) -> UInt32 { data[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u16(_ at: Int) -> UInt16 { UInt16(data[at]) | UInt16(data[at + 1]) << 8 }
        #expect(String(decoding: data[0..<4], as: UTF8.self) == "RIFF")
        #expect(Int(u32(4)) == data.count - 8)
        #expect(String(decoding: data[8..<16], as: UTF8.self) == "WAVEfmt ")
        #expect(u32(16) == 16)
        #expect(u16(20) == 1)
        #expect(u16(22) == 1)
        #expect(u32(24) == 11025)
        #expect(u32(28) == 22050)
        #expect(u16(32) == 2)
        #expect(u16(34) == 16)
        #expect(String(decoding: data[36..<40], as: UTF8.self) == "data")
        #expect(Int(u32(40)) == audio.sampleCount * 2)
        #expect(data.count == audio.wavByteCount)
    }

    @Test(
        arguments: [(20.0, nil, 8000), (20.0, 10.0, 8000), (35.0, nil, 22050), (5.0, nil, 44100)]
            as [(Double, Double?, Int)])
    func sampleCountEqualsTheTiming(wpm: Double, farnsworth: Double?, rate: Int) throws {
        let morse = try MorseEncoder().encode("PARIS")
        let timing = try MorseTiming(wpm: wpm, farnsworthWPM: farnsworth)
        let audio = try MorseAudio(morse: morse, timing: timing, sampleRate: rate)
        // The timing, plus one ramp (half before the first element, half after the last).
        let expected = (timing.durationMs(of: morse) + audio.rampMs) * Double(rate) / 1000
        #expect(abs(Double(audio.sampleCount) - expected) <= 0.5 + 1e-9)
        #expect(Self.samples(audio).count == audio.sampleCount)
    }

    @Test func silentEndsAndNoClipping() throws {
        let audio = try MorseAudio(morse: "-.-. --.-", timing: MorseTiming(wpm: 25), toneHz: 800, sampleRate: 8000)
        let samples = Self.samples(audio)
        #expect(abs(Int(samples.first!)) <= 1)
        #expect(abs(Int(samples.last!)) <= 300, "within 1% of full scale")
        let peak = samples.map { abs(Int($0)) }.max()!
        #expect(peak < Int(Int16.max), "no clipping")
        #expect(peak > Int(0.75 * Double(Int16.max)), "amplitude 0.8 reached")
    }

    @Test(arguments: [550.0, 600.0, 750.0])
    func dominantFrequencyIsTheTone(tone: Double) throws {
        let audio = try MorseAudio(morse: "-- --", timing: MorseTiming(wpm: 15), toneHz: tone, sampleRate: 8000)
        let samples = Self.samples(audio).map(Double.init)
        let atTone = goertzelPower(samples, frequency: tone, rate: 8000)
        for other in stride(from: 300.0, through: 1500, by: 50) where abs(other - tone) >= 100 {
            #expect(goertzelPower(samples, frequency: other, rate: 8000) * 20 < atTone, "\(other) Hz too strong")
        }
    }

    /// Each element measured at half amplitude lasts as the timing says, within 1 ms, gaps too.
    @Test(arguments: [(20.0, nil), (20.0, 15.0), (40.0, nil)] as [(Double, Double?)])
    func elementDurationsMatchTheTimingArray(wpm: Double, farnsworth: Double?) throws {
        let morse = try MorseEncoder().encode("CQ 73")
        let timing = try MorseTiming(wpm: wpm, farnsworthWPM: farnsworth)
        let rate = 44100
        let tone = 700.0
        let audio = try MorseAudio(morse: morse, timing: timing, toneHz: tone, sampleRate: rate)
        let samples = Self.samples(audio).map(Double.init)
        // The envelope of a sine of known frequency, from each sample and its neighbours' slope.
        let omega = 2 * Double.pi * tone / Double(rate)
        let peak = 0.8 * Double(Int16.max)
        var on: [Bool] = []
        for n in 1..<(samples.count - 1) {
            let quadrature = (samples[n + 1] - samples[n - 1]) / (2 * sin(omega))
            on.append((samples[n] * samples[n] + quadrature * quadrature).squareRoot() >= peak / 2)
        }
        var runs: [Double] = []
        var start = 0
        for n in 1..<on.count where on[n] != on[n - 1] {
            runs.append(Double(n - start) * 1000 / Double(rate) * (on[n - 1] ? 1 : -1))
            start = n
        }
        // Drop the leading silence (half a ramp).
        if let first = runs.first, first < 0 { runs.removeFirst() }
        let expected = timing.durations(of: morse)
        #expect(runs.count == expected.count)
        for (got, want) in zip(runs, expected) { #expect(abs(got - want) <= 1, "got \(got) want \(want)") }
    }

    @Test func rampIsCappedForFastSpeeds() throws {
        #expect(try MorseAudio(morse: ".", timing: MorseTiming(wpm: 20)).rampMs == 5)
        #expect(try MorseAudio(morse: ".", timing: MorseTiming(wpm: 60)).rampMs == 2.5)
    }

    @Test func badParametersAreRejected() throws {
        #expect(throws: AudioError.sampleRateOutOfRange(100)) {
            try MorseAudio(morse: ".", timing: MorseTiming(wpm: 20), sampleRate: 100)
        }
        #expect(throws: AudioError.toneOutOfRange(5000, sampleRate: 8000)) {
            try MorseAudio(morse: ".", timing: MorseTiming(wpm: 20), toneHz: 5000, sampleRate: 8000)
        }
    }

    /// A ten-minute message streams in chunks: every chunk is the same size and the bytes add up to the header's.
    @Test func tenMinutesStreamInEqualChunks() throws {
        let text = String(repeating: "PARIS ", count: 200)  // 200 words at 20 WPM: 10 minutes.
        let morse = try MorseEncoder().encode(text)
        let audio = try MorseAudio(morse: morse, timing: MorseTiming(wpm: 20), sampleRate: 22050)
        #expect(audio.durationMs >= 600_000 - 1000)
        var total = 0
        var largest = 0
        for chunk in audio.wavChunks(samplesPerChunk: 4096) {
            total += chunk.count
            largest = max(largest, chunk.count)
        }
        #expect(total == audio.wavByteCount)
        #expect(total > 26_000_000)
        #expect(largest == 8192)
    }

    /// Constant memory, measured where nothing else runs: the `morse` tool renders a 10-second and a 10-minute
    /// message in child processes, and their peak resident sizes (from wait4) differ by far less than the 26 MB
    /// the long one's samples would take if they were held.
    @Test func tenMinutesWithConstantMemory() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("morse").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the morse tool first: swift build")
        let short = try peakResidentKiB(binary, ["audio", "PARIS PARIS PARIS", "--rate", "22050", "-o", "/dev/null"])
        let long = try peakResidentKiB(
            binary, ["audio", String(repeating: "PARIS ", count: 200), "--rate", "22050", "-o", "/dev/null"])
        print("peak RSS: 10 s message \(short) KiB, 10 min message \(long) KiB")
        #expect(long - short < 4096, "the 10-minute message took \(long - short) KiB more")
    }
}

/// Runs a program to its end and returns its peak resident size in KiB, as the kernel accounts it for that child.
func peakResidentKiB(_ path: String, _ arguments: [String]) throws -> Int {
    var pid: pid_t = 0
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let spawned = posix_spawn(&pid, path, nil, nil, argv, environ)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 {
        guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
    return usage.ru_maxrss
}

func goertzelPower(_ samples: [Double], frequency: Double, rate: Double) -> Double {
    let coefficient = 2 * cos(2 * Double.pi * frequency / rate)
    var s1 = 0.0
    var s2 = 0.0
    for sample in samples {
        let s0 = sample + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    return s1 * s1 + s2 * s2 - coefficient * s1 * s2
}
