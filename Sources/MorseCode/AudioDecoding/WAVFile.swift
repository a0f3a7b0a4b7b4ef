/// A mono PCM WAV file read from its bytes, for decoding. Pure: bytes in, samples or a ``WAVError`` out; no byte
/// sequence makes it crash (every offset and size is checked, integers are widened before arithmetic).
///
/// - RIFF/WAVE with `fmt ` and `data` chunks in any order; other chunks (`LIST`, `fact`, …) are skipped. The first
///   `fmt ` and the first `data` count. The RIFF size field is not checked (writers that stream set it wrong).
/// - Integer PCM of 8 (unsigned), 16, 24 or 32 bits, IEEE float of 32 or 64 bits, also as WAVE_FORMAT_EXTENSIBLE;
///   one channel; 8000–48000 Hz; at least ``minimumSeconds`` of sound.
/// - A `data` chunk that claims more bytes than the file holds (a cut-off download, or a recorder that streamed
///   its header before knowing the size) is read as far as it goes, whole samples only, and ``isTruncated`` says
///   so; the rest of the file is then not searched for chunks.
public struct WAVFile: Sendable {
    public enum Encoding: String, Sendable, Equatable {
        case unsigned8 = "8-bit unsigned PCM"
        case signed16 = "16-bit PCM"
        case signed24 = "24-bit PCM"
        case signed32 = "32-bit PCM"
        case float32 = "32-bit float"
        case float64 = "64-bit float"

        var bytesPerSample: Int {
            switch self {
            case .unsigned8: 1
            case .signed16: 2
            case .signed24: 3
            case .signed32, .float32: 4
            case .float64: 8
            }
        }
    }

    /// The shortest recording worth decoding: about two dits at 40 WPM.
    public static let minimumSeconds = 0.1

    public let sampleRate: Int
    public let encoding: Encoding
    public let sampleCount: Int
    /// The `data` chunk is shorter than its header says; ``sampleCount`` is what is there.
    public let isTruncated: Bool
    private let bytes: [UInt8]
    private let dataStart: Int

    public var durationSeconds: Double { Double(sampleCount) / Double(sampleRate) }

    public init(bytes: [UInt8]) throws(WAVError) {
        guard bytes.count >= 12, WAVFile.tag(bytes, 0) == "RIFF", WAVFile.tag(bytes, 8) == "WAVE" else {
            throw .notRIFFWAVE
        }
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        var data: (start: Int, length: Int, truncated: Bool)?
        var offset = 12
        while offset <= bytes.count - 8, format == nil || data == nil {
            let id = WAVFile.tag(bytes, offset)
            let declared = Int(exactly: WAVFile.u32(bytes, offset + 4)) ?? Int.max
            let body = offset + 8
            let available = bytes.count - body
            let length = min(declared, available)
            if id == "fmt " && format == nil {
                format = try WAVFile.parseFormat(bytes, body, length)
            } else if id == "data" && data == nil {
                data = (body, length, declared > available)
            }
            guard declared <= available else { break }
            offset = body + declared + (declared & 1)
        }
        guard let format else { throw .noFormatChunk }
        let encoding = try WAVFile.encoding(of: format)
        guard let data else { throw .noDataChunk }
        let count = data.length / encoding.bytesPerSample
        try WAVFile.checkLength(samples: count, sampleRate: format.rate)
        self.sampleRate = format.rate
        self.encoding = encoding
        self.sampleCount = count
        self.isTruncated = data.truncated
        self.bytes = bytes
        self.dataStart = data.start
    }

    /// The sample encoding of a parsed `fmt ` chunk, if the decoder can read it: PCM or float, mono, a sample rate
    /// it decodes.
    static func encoding(of format: (tag: Int, channels: Int, rate: Int, bits: Int)) throws(WAVError) -> Encoding {
        let encoding: Encoding
        switch (format.tag, format.bits) {
        case (1, 8): encoding = .unsigned8
        case (1, 16): encoding = .signed16
        case (1, 24): encoding = .signed24
        case (1, 32): encoding = .signed32
        case (3, 32): encoding = .float32
        case (3, 64): encoding = .float64
        case (1, _), (3, _): throw .unsupportedBitsPerSample(format.bits, float: format.tag == 3)
        default: throw .notPCM(formatTag: format.tag)
        }
        guard format.channels == 1 else { throw .notMono(channels: format.channels) }
        guard MorseAudioDecoder.sampleRates.contains(format.rate) else { throw .unsupportedSampleRate(format.rate) }
        return encoding
    }

    static func checkLength(samples count: Int, sampleRate: Int) throws(WAVError) {
        let minimum = Int((WAVFile.minimumSeconds * Double(sampleRate)).rounded(.up))
        guard count >= minimum else { throw .tooShort(samples: count, sampleRate: sampleRate, minimum: minimum) }
    }

    /// Format tag (the sub-format's for WAVE_FORMAT_EXTENSIBLE), channels, sample rate and bits per sample.
    static func parseFormat(
        _ bytes: [UInt8], _ start: Int, _ length: Int
    ) throws(WAVError) -> (tag: Int, channels: Int, rate: Int, bits: Int) {
        guard length >= 16 else { throw .invalidFormatChunk(size: length) }
        var tag = Int(u16(bytes, start))
        if tag == 0xFFFE {
            // WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, channel mask, then the sub-format GUID, whose first two
            // bytes are the format tag.
            guard length >= 26 else { throw .invalidFormatChunk(size: length) }
            tag = Int(u16(bytes, start + 24))
        }
        return (tag, Int(u16(bytes, start + 2)), Int(u32(bytes, start + 4)), Int(u16(bytes, start + 14)))
    }

    /// All samples, full scale ±1.
    public func samples() -> [Float] { samples(in: 0..<sampleCount) }

    /// The samples in `range` (clamped to the file), full scale ±1; non-finite floats read as 0.
    public func samples(in range: Range<Int>) -> [Float] {
        let lower = min(max(0, range.lowerBound), sampleCount)
        let upper = min(max(lower, range.upperBound), sampleCount)
        var result = [Float](repeating: 0, count: upper - lower)
        let size = encoding.bytesPerSample
        bytes.withUnsafeBufferPointer { bytes in
            for index in lower..<upper {
                result[index - lower] = WAVFile.sample(bytes, dataStart + index * size, encoding)
            }
        }
        return result
    }

    /// Calls `body` with consecutive runs of at most `length` samples, so a long file is never held as floats.
    public func forEachChunk(of length: Int, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        let length = max(1, length)
        var start = 0
        while start < sampleCount {
            let chunk = samples(in: start..<min(sampleCount, start + length))
            chunk.withUnsafeBufferPointer(body)
            start += length
        }
    }

    static func sample(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ encoding: Encoding) -> Float {
        switch encoding {
        case .unsigned8:
            return (Float(bytes[at]) - 128) / 128
        case .signed16:
            return Float(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)) / 32768
        case .signed24:
            let raw = UInt32(bytes[at]) << 8 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 24
            return Float(Int32(bitPattern: raw) >> 8) / 8_388_608
        case .signed32:
            return Float(Int32(bitPattern: u32(bytes, at))) / 2_147_483_648
        case .float32:
            let value = Float(bitPattern: u32(bytes, at))
            return value.isFinite ? value : 0
        case .float64:
            let raw = UInt64(u32(bytes, at)) | UInt64(u32(bytes, at + 4)) << 32
            let value = Float(Double(bitPattern: raw))
            return value.isFinite ? value : 0
        }
    }

    // MARK: - Little-endian fields, 0 past the end

    static func tag(_ bytes: [UInt8], _ at: Int) -> String {
        guard at >= 0, at <= bytes.count - 4 else { return "" }
        return String(decoding: bytes[at..<at + 4], as: UTF8.self)
    }

    private static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at >= 0, at <= bytes.count - 2 else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at >= 0, at <= bytes.count - 4 else { return 0 }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3])
            << 24
    }

    private static func u32(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}

/// Why bytes are not a WAV file the decoder can read.
public enum WAVError: Error, Equatable, Sendable, CustomStringConvertible {
    case notRIFFWAVE
    case noFormatChunk
    case invalidFormatChunk(size: Int)
    case noDataChunk
    case notPCM(formatTag: Int)
    case unsupportedBitsPerSample(Int, float: Bool)
    case notMono(channels: Int)
    case unsupportedSampleRate(Int)
    case tooShort(samples: Int, sampleRate: Int, minimum: Int)
    /// Read as a stream (``WAVStreamReader``), the samples came before their format.
    case dataBeforeFormat

    public var description: String {
        switch self {
        case .notRIFFWAVE: "not a WAV file: it does not begin with a RIFF/WAVE header"
        case .noFormatChunk: "not a usable WAV file: it has no 'fmt ' chunk"
        case .invalidFormatChunk(let size):
            "not a usable WAV file: its 'fmt ' chunk has \(size) bytes, at least 16 needed"
        case .noDataChunk: "not a usable WAV file: it has no 'data' chunk"
        case .notPCM(let tag):
            "not PCM: the WAV format is \(WAVError.formatName(tag)); use uncompressed PCM (16-bit mono, for example)"
        case .unsupportedBitsPerSample(let bits, let float):
            "\(bits)-bit \(float ? "float" : "integer") samples are not supported: use 8, 16, 24 or 32-bit integer, "
                + "or 32 or 64-bit float PCM"
        case .notMono(let channels):
            "not mono: the WAV file has \(channels) channel\(channels == 1 ? "" : "s"); use one channel"
        case .unsupportedSampleRate(let rate):
            "sample rate \(rate) Hz is not supported: use \(MorseAudioDecoder.sampleRates.lowerBound)-"
                + "\(MorseAudioDecoder.sampleRates.upperBound) Hz"
        case .dataBeforeFormat:
            "the WAV file's 'data' chunk comes before its 'fmt ' chunk, so it cannot be read as it arrives; "
                + "write it with the format first (sox in.wav out.wav does)"
        case .tooShort(let samples, let rate, let minimum):
            "the recording is too short: \(samples) samples (\(samples * 1000 / max(1, rate)) ms) at \(rate) Hz; "
                + "at least \(Int(WAVFile.minimumSeconds * 1000)) ms (\(minimum) samples) is needed"
        }
    }

    private static func formatName(_ tag: Int) -> String {
        let hex = "0x" + String(String(tag, radix: 16, uppercase: true).suffix(4))
        let names: [Int: String] = [
            0x0002: "Microsoft ADPCM", 0x0006: "A-law", 0x0007: "µ-law", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10",
            0x0055: "MP3", 0x00FF: "AAC",
        ]
        if let name = names[tag] { return "\(name) (\(hex))" }
        return "format \(hex)"
    }
}
