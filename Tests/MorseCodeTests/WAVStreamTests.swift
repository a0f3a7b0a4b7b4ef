import Testing

@testable import MorseCode

/// WAV read as it arrives (`WAVStreamReader`, `WAVMorseDecoder`): the same samples, results and errors as the
/// whole-file reader however the bytes are split, format errors before the samples arrive, and the one layout a
/// stream cannot read.
@Suite struct WAVStreamTests {
    typealias W = WAVFileTests

    /// Reads `bytes` in pieces of `split` bytes; the samples, or the error.
    static func stream(_ bytes: [UInt8], split: Int) -> Result<(samples: [Float], truncated: Bool), WAVError> {
        var reader = WAVStreamReader()
        var samples: [Float] = []
        return Result { () throws(WAVError) in
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + split)
                let piece = Array(bytes[start..<end])
                let read = piece.withUnsafeBytes { buffer in
                    Result { () throws(WAVError) in
                        try reader.read(buffer, runLength: 333) { run, _ in samples += run }
                    }
                }
                try read.get()
                start = end
            }
            try reader.finish()
            #expect(reader.sampleCount == samples.count)
            return (samples, reader.isTruncated)
        }
    }

    static func whole(_ bytes: [UInt8]) -> Result<(samples: [Float], truncated: Bool), WAVError> {
        Result { () throws(WAVError) in
            let file = try WAVFile(bytes: bytes)
            return (file.samples(), file.isTruncated)
        }
    }

    static func same(_ bytes: [UInt8], split: Int) -> Bool {
        switch (stream(bytes, split: split), whole(bytes)) {
        case (.success(let a), .success(let b)): a.samples == b.samples && a.truncated == b.truncated
        case (.failure(let a), .failure(let b)): a == b
        default: false
        }
    }

    static let files: [[UInt8]] = [
        try! MorseAudio(morse: "-.-. --.-", timing: MorseTiming(wpm: 20), toneHz: 700, sampleRate: 22050).wavData(),
        W.riff(
            W.chunk("fmt ", W.format()) + W.chunk("LIST", Array("INFOISFT odd".utf8) + [7])
                + W.chunk("data", W.toneData)),
        W.riff(W.chunk("fmt ", W.format(tag: 3, bits: 32)) + W.chunk("data", Array(W.toneData.prefix(4001)))),
        W.riff(W.chunk("fmt ", W.format(bits: 8)) + W.chunk("data", W.toneData)),
        W.riff(W.chunk("fmt ", W.format(bits: 24)) + W.chunk("data", W.toneData)),
        W.riff(W.chunk("fmt ", W.format())) + Array("data".utf8) + W.le32(16000) + Array(W.toneData.prefix(9001)),
        W.riff(W.chunk("fmt ", W.format())) + Array("data".utf8) + W.le32(-1) + W.toneData,
        // A `fmt ` longer than the 40 bytes kept, with an odd length.
        W.riff(W.chunk("fmt ", W.format() + [UInt8](repeating: 9, count: 41)) + W.chunk("data", W.toneData)),
    ]

    /// Split into pieces of 1-7 bytes, the files' first 6000 bytes only (cut off: a truncated `data` chunk, which
    /// the stream must read as the whole-file reader does): byte by byte, whole files would take seconds.
    @Test(arguments: [1, 2, 3, 7, 44, 4096, 1 << 20])
    func sameSamplesAsTheWholeFileHoweverSplit(split: Int) throws {
        for (index, file) in Self.files.enumerated() {
            let bytes = split < 44 ? Array(file.prefix(6000)) : file
            #expect(Self.same(bytes, split: split), "file \(index)")
            #expect(try Self.stream(bytes, split: split).get().samples.count > 0)
        }
    }

    @Test func errorsAreTheWholeFilesErrors() {
        let data = W.chunk("data", W.toneData)
        let broken: [[UInt8]] = [
            [], Array("RIFF".utf8), Array("hello, world".utf8),
            W.riff([]), W.riff(W.chunk("fmt ", W.format())),
            W.riff(W.chunk("fmt ", Array(W.format().prefix(14))) + data),
            W.riff(W.chunk("fmt ", W.format(channels: 2)) + data),
            W.riff(W.chunk("fmt ", W.format(rate: 96000)) + data),
            W.riff(W.chunk("fmt ", W.format(tag: 0x55)) + data), W.riff(W.chunk("fmt ", [])),
            W.riff(W.chunk("fmt ", W.format()) + W.chunk("data", Array(W.toneData.prefix(200)))),
            Array(W.riff(W.chunk("fmt ", W.format())).prefix(30)),
        ]
        for (index, bytes) in broken.enumerated() {
            for split in [1, 5, 1000] {
                #expect(Self.same(bytes, split: split), "case \(index), split \(split)")
                guard case .failure = Self.stream(bytes, split: split) else {
                    Issue.record("case \(index) was read")
                    continue
                }
            }
        }
    }

    /// An upload that is not mono is refused when its header arrives, before its samples.
    @Test func formatErrorsComeWithTheHeader() {
        let header = W.riff(W.chunk("fmt ", W.format(channels: 2)))
        var reader = WAVStreamReader()
        #expect(Self.read(&reader, header) == .notMono(channels: 2))
        var good = WAVStreamReader()
        #expect(Self.read(&good, W.riff(W.chunk("fmt ", W.format(rate: 11025)))) == nil)
        #expect(good.sampleRate == 11025)
        #expect(good.encoding == .signed16)
    }

    /// The error reading `bytes` throws, if any.
    static func read(_ reader: inout WAVStreamReader, _ bytes: [UInt8]) -> WAVError? {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WAVError) in try reader.read(buffer) { _, _ in } }
        }
        guard case .failure(let error) = result else { return nil }
        return error
    }

    @Test func samplesBeforeTheirFormatCannotBeStreamed() {
        let bytes = W.riff(W.chunk("data", W.toneData) + W.chunk("fmt ", W.format()))
        var decoder = WAVMorseDecoder()
        #expect(throws: WAVError.dataBeforeFormat) { try decoder.feed(bytes) }
        #expect(WAVError.dataBeforeFormat.description.contains("'data' chunk comes before its 'fmt ' chunk"))
        #expect(throws: Never.self) { try WAVFile(bytes: bytes) }
    }

    /// Random bytes after a RIFF header, and a valid file with bytes changed: the stream agrees with the whole-file
    /// reader wherever the format comes first.
    @Test func anyBytesAgreeWithTheWholeFileReader() {
        var generator = SplitMix64(seed: 0x57AE_A4)
        let valid = W.riff(W.chunk("fmt ", W.format()) + W.chunk("data", Array(W.toneData.prefix(2000))))
        for round in 0..<400 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes =
                    Array("RIFF\0\0\0\0WAVE".utf8)
                    + (0..<Int(generator.next() % 120)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                bytes = valid
                for _ in 0..<(1 + round % 3) {
                    bytes[Int(generator.next() % 48)] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            let split = 1 + Int(generator.next() % 64)
            if case .failure(.dataBeforeFormat) = Self.stream(bytes, split: split) { continue }
            #expect(Self.same(bytes, split: split), "round \(round)")
        }
    }

    /// Decoding as the bytes arrive gives what decoding the whole file gives.
    @Test func decodingAsItArrivesIsDecodingTheFile() throws {
        let bytes = try MorseAudio(
            morse: "-.-. --.- / -.. . / ..-. ....- -..- -.-- --..", timing: MorseTiming(wpm: 25), toneHz: 650,
            sampleRate: 16000
        ).wavData()
        let whole = try MorseAudioDecoder.decode(wav: bytes)
        #expect(whole.text == "CQ DE F4XYZ")
        for split in [1000, 65536] {
            var decoder = WAVMorseDecoder()
            var characters: [DecodedCharacter] = []
            var start = 0
            while start < bytes.count {
                characters += try decoder.feed(Array(bytes[start..<min(bytes.count, start + split)]))
                start += split
            }
            characters += try decoder.finish()
            #expect(decoder.sampleRate == 16000)
            #expect(decoder.result(characters) == whole)
        }
    }
}
