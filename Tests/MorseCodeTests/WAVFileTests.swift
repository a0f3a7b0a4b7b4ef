import Testing

@testable import MorseCode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The WAV reader: files of the project's own writer, other layouts and sample formats, and every error.
@Suite struct WAVFileTests {
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }

    static func chunk(_ id: String, _ body: [UInt8], declaredSize: Int? = nil) -> [UInt8] {
        Array(id.utf8) + le32(declaredSize ?? body.count) + body + (body.count % 2 == 1 ? [0] : [])
    }

    static func format(tag: Int = 1, channels: Int = 1, rate: Int = 8000, bits: Int = 16) -> [UInt8] {
        let block = channels * bits / 8
        return le16(tag) + le16(channels) + le32(rate) + le32(rate * block) + le16(block) + le16(bits)
    }

    static func riff(_ chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le32(4 + chunks.count) + Array("WAVE".utf8) + chunks
    }

    /// A second of a 600 Hz tone as 16-bit samples.
    static let toneData: [UInt8] = (0..<8000).flatMap { n in
        le16(Int(Int16(10000 * sin(2 * Double.pi * 600 * Double(n) / 8000))) & 0xFFFF)
    }

    @Test func readsTheProjectsOwnFiles() throws {
        let audio = try MorseAudio(morse: "-.-. --.-", timing: MorseTiming(wpm: 20), toneHz: 700, sampleRate: 22050)
        let bytes = audio.wavData()
        let file = try WAVFile(bytes: bytes)
        #expect(file.sampleRate == 22050)
        #expect(file.encoding == .signed16)
        #expect(file.sampleCount == (bytes.count - 44) / 2)
        #expect(!file.isTruncated)
        let samples = file.samples()
        let expected = AudioTests.samples(audio).map { Float($0) / 32768 }
        #expect(samples == expected)
        #expect(try MorseAudioDecoder.decode(wav: bytes).text == "CQ")
    }

    @Test func chunksInAnyOrderAndOthersSkipped() throws {
        let list = Self.chunk("LIST", Array("INFOISFT odd".utf8) + [7])  // odd size: padded
        let bytes = Self.riff(Self.chunk("data", Self.toneData) + list + Self.chunk("fmt ", Self.format()))
        let file = try WAVFile(bytes: bytes)
        #expect(file.sampleCount == 8000)
        #expect(
            file.samples(in: 0..<3) == [
                0, Float(Int16(10000 * sin(2 * Double.pi * 600 / 8000))) / 32768, file.samples()[2],
            ])
        let reordered = Self.riff(Self.chunk("fmt ", Self.format()) + list + Self.chunk("data", Self.toneData))
        #expect(try WAVFile(bytes: reordered).samples() == file.samples())
    }

    @Test func otherSampleFormats() throws {
        let values: [Double] = [0, 0.5, -0.5, 0.25]
        let repeated = (0..<800).flatMap { _ in values }
        func file(tag: Int, bits: Int, _ encode: (Double) -> [UInt8]) throws -> WAVFile {
            try WAVFile(
                bytes: Self.riff(
                    Self.chunk("fmt ", Self.format(tag: tag, bits: bits)) + Self.chunk("data", repeated.flatMap(encode))
                ))
        }
        let u8 = try file(tag: 1, bits: 8) { [UInt8(128 + Int($0 * 128))] }
        let s24 = try file(tag: 1, bits: 24) { Array(Self.le32(Int($0 * 8_388_608) & 0xFF_FFFF).prefix(3)) }
        let s32 = try file(tag: 1, bits: 32) { Self.le32(Int($0 * 2_147_483_648) & 0xFFFF_FFFF) }
        let f32 = try file(tag: 3, bits: 32) { Self.le32(Int(Float($0).bitPattern)) }
        let f64 = try file(tag: 3, bits: 64) { value in
            let bits = value.bitPattern
            return Self.le32(Int(bits & 0xFFFF_FFFF)) + Self.le32(Int(bits >> 32))
        }
        for (name, decoded) in [("u8", u8), ("s24", s24), ("s32", s32), ("f32", f32), ("f64", f64)] {
            #expect(decoded.sampleCount == repeated.count, "\(name)")
            #expect(decoded.samples(in: 0..<4) == values.map { Float($0) }, "\(name)")
        }
        #expect(u8.encoding == .unsigned8)
        #expect(f64.encoding == .float64)
    }

    @Test func extensibleFormatIsRead() throws {
        // WAVE_FORMAT_EXTENSIBLE: cbSize 22, valid bits, channel mask, sub-format GUID beginning with PCM's tag.
        let body =
            Self.format(tag: 0xFFFE) + Self.le16(22) + Self.le16(16) + Self.le32(4) + Self.le16(1)
            + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
        let file = try WAVFile(bytes: Self.riff(Self.chunk("fmt ", body) + Self.chunk("data", Self.toneData)))
        #expect(file.encoding == .signed16)
    }

    @Test func truncatedDataIsReadAsFarAsItGoes() throws {
        // The header claims 16000 bytes; 9001 follow (a cut-off upload): 4500 whole samples.
        let bytes =
            Self.riff(Self.chunk("fmt ", Self.format()))
            + Array("data".utf8) + Self.le32(16000) + Array(Self.toneData.prefix(9001))
        let file = try WAVFile(bytes: bytes)
        #expect(file.isTruncated)
        #expect(file.sampleCount == 4500)
        // A streaming recorder's placeholder size.
        let streamed =
            Self.riff(Self.chunk("fmt ", Self.format())) + Array("data".utf8) + Self.le32(-1)
            + Self.toneData
        #expect(try WAVFile(bytes: streamed).sampleCount == 8000)
    }

    @Test func errorsSayWhatIsWrong() {
        let data = Self.chunk("data", Self.toneData)
        let cases: [([UInt8], WAVError, String)] = [
            (Array("hello".utf8), .notRIFFWAVE, "not a WAV file: it does not begin with a RIFF/WAVE header"),
            (
                Array("RIFF\0\0\0\0AVI LIST".utf8), .notRIFFWAVE,
                "not a WAV file: it does not begin with a RIFF/WAVE header"
            ),
            (Self.riff(data), .noFormatChunk, "not a usable WAV file: it has no 'fmt ' chunk"),
            (
                Self.riff(Self.chunk("fmt ", Array(Self.format().prefix(14))) + data), .invalidFormatChunk(size: 14),
                "not a usable WAV file: its 'fmt ' chunk has 14 bytes, at least 16 needed"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format())), .noDataChunk,
                "not a usable WAV file: it has no 'data' chunk"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format(tag: 0x11, bits: 4)) + data), .notPCM(formatTag: 0x11),
                "not PCM: the WAV format is IMA ADPCM (0x11); use uncompressed PCM (16-bit mono, for example)"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format(tag: 0x1234)) + data), .notPCM(formatTag: 0x1234),
                "not PCM: the WAV format is format 0x1234; use uncompressed PCM (16-bit mono, for example)"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format(channels: 2)) + data), .notMono(channels: 2),
                "not mono: the WAV file has 2 channels; use one channel"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format(bits: 12)) + data),
                .unsupportedBitsPerSample(12, float: false),
                "12-bit integer samples are not supported: use 8, 16, 24 or 32-bit integer, or 32 or 64-bit float PCM"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format(rate: 96000)) + data), .unsupportedSampleRate(96000),
                "sample rate 96000 Hz is not supported: use 8000-48000 Hz"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format(rate: 4000)) + data), .unsupportedSampleRate(4000),
                "sample rate 4000 Hz is not supported: use 8000-48000 Hz"
            ),
            (
                Self.riff(Self.chunk("fmt ", Self.format()) + Self.chunk("data", Array(Self.toneData.prefix(200)))),
                .tooShort(samples: 100, sampleRate: 8000, minimum: 800),
                "the recording is too short: 100 samples (12 ms) at 8000 Hz; at least 100 ms (800 samples) is needed"
            ),
        ]
        for (bytes, error, message) in cases {
            #expect(throws: error) { try WAVFile(bytes: bytes) }
            #expect(throws: error) { try MorseAudioDecoder.decode(wav: bytes) }
            #expect(error.description == message)
        }
    }

    /// Bytes of every kind give a result or an error, never a crash: random bytes, and a valid file with its header
    /// bytes changed at random (which reach the decoder when they still parse).
    @Test func anyBytesGiveAResultOrAnError() throws {
        var generator = SplitMix64(seed: 0xA0D1_0)
        for _ in 0..<300 {
            let count = Int(generator.next() % 200)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? WAVFile(bytes: bytes)
            _ = try? WAVFile(bytes: Array("RIFF\0\0\0\0WAVE".utf8) + bytes)
        }
        let valid = Self.riff(Self.chunk("fmt ", Self.format()) + Self.chunk("data", Array(Self.toneData.prefix(2000))))
        var decoded = 0
        for round in 0..<300 {
            var bytes = valid
            for _ in 0..<(1 + round % 3) {
                bytes[Int(generator.next() % 48)] = UInt8(truncatingIfNeeded: generator.next())
            }
            if round % 7 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            guard let file = try? WAVFile(bytes: bytes) else { continue }
            _ = file.samples()
            if decoded < 20, (try? MorseAudioDecoder.decode(wav: bytes)) != nil { decoded += 1 }
        }
        #expect(decoded > 0)
    }
}
