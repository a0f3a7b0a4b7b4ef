/// A WAV file read as its bytes arrive — an upload, a pipe — in constant memory: the header is parsed as it comes,
/// then the samples are handed on in runs as soon as whole samples are there.
///
/// It accepts what ``WAVFile`` accepts, with one difference a stream imposes: the `fmt ` chunk must come before the
/// `data` chunk (every common writer puts it there; ``WAVError/dataBeforeFormat`` otherwise). Errors of the format
/// (not PCM, not mono, sample rate) are thrown as soon as the `fmt ` chunk has been read, so an upload can be
/// refused before its body has arrived; errors that need the whole input (no `data` chunk, too short) by
/// ``finish()``. The same bytes give the same samples and the same errors as ``WAVFile`` whichever way they are
/// split.
public struct WAVStreamReader: Sendable {
    /// How much of a `fmt ` chunk is kept: WAVE_FORMAT_EXTENSIBLE's 40 bytes; the rest of a longer one is skipped.
    static let formatBytesKept = 40

    private enum State: Sendable {
        case riffHeader
        case chunkHeader
        case format(declared: Int)
        case skipping(Int)
        case samples(remaining: Int)
        case done
    }

    /// Known once the `fmt ` chunk has been read.
    public private(set) var sampleRate: Int?
    public private(set) var encoding: WAVFile.Encoding?
    /// Samples handed on so far.
    public private(set) var sampleCount = 0
    /// Set by ``finish()``: the input ended before the `data` chunk's declared end.
    public private(set) var isTruncated = false
    private var state = State.riffHeader
    /// Header bytes not yet complete, or the bytes of a sample split between two reads: never more than
    /// ``formatBytesKept``.
    private var pending: [UInt8] = []
    private var floats: [Float] = []
    private var sawData = false

    public init() {}

    public var durationSeconds: Double {
        guard let sampleRate else { return 0 }
        return Double(sampleCount) / Double(sampleRate)
    }

    /// Reads more bytes; `body` receives the samples they complete (full scale ±1), at most `runLength` at a time,
    /// with the file's sample rate.
    public mutating func read(
        _ bytes: UnsafeRawBufferPointer, runLength: Int = 4096,
        _ body: (_ samples: UnsafeBufferPointer<Float>, _ sampleRate: Int) -> Void
    ) throws(WAVError) {
        var input = bytes.bindMemory(to: UInt8.self)[...]
        while !input.isEmpty {
            switch state {
            case .riffHeader:
                guard take(12, from: &input) else { return }
                guard WAVFile.tag(pending, 0) == "RIFF", WAVFile.tag(pending, 8) == "WAVE" else { throw .notRIFFWAVE }
                pending.removeAll(keepingCapacity: true)
                state = .chunkHeader
            case .chunkHeader:
                guard take(8, from: &input) else { return }
                try startChunk(id: WAVFile.tag(pending, 0), declared: Int(WAVFile.u32(pending, 4)))
            case .format(let declared):
                guard take(min(declared, WAVStreamReader.formatBytesKept), from: &input) else { return }
                try readFormat(declared: declared)
            case .skipping(let count):
                let skipped = min(count, input.count)
                input = input.dropFirst(skipped)
                state = count == skipped ? .chunkHeader : .skipping(count - skipped)
            case .samples(let remaining):
                let taken = min(remaining, input.count)
                convert(input.prefix(taken), runLength: max(1, runLength), body)
                input = input.dropFirst(taken)
                state = remaining == taken ? .done : .samples(remaining: remaining - taken)
            case .done:
                return
            }
        }
    }

    /// Ends the input: throws what only the whole input shows (not a WAV file, no `fmt ` or `data` chunk, too short).
    public mutating func finish() throws(WAVError) {
        switch state {
        case .riffHeader:
            throw .notRIFFWAVE
        case .format:
            // Cut off inside the `fmt ` chunk: what there is of it, as WAVFile reads a chunk longer than the file.
            let format = try WAVFile.parseFormat(pending, 0, pending.count)
            _ = try WAVFile.encoding(of: format)
            throw .noDataChunk
        case .samples:
            isTruncated = true
        case .chunkHeader, .skipping, .done:
            break
        }
        guard sampleRate != nil else { throw .noFormatChunk }
        guard sawData else { throw .noDataChunk }
        try WAVFile.checkLength(samples: sampleCount, sampleRate: sampleRate!)
        state = .done
    }

    // MARK: - Header

    /// Moves bytes from `input` into `pending` until it holds `count`; false when the input ran out first.
    private mutating func take(_ count: Int, from input: inout Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        let needed = max(0, count - pending.count)
        pending += input.prefix(needed)
        input = input.dropFirst(needed)
        return pending.count >= count
    }

    private mutating func startChunk(id: String, declared: Int) throws(WAVError) {
        pending.removeAll(keepingCapacity: true)
        let padded = declared + (declared & 1)
        switch id {
        case "fmt " where sampleRate == nil:
            guard declared > 0 else { throw .invalidFormatChunk(size: 0) }
            state = .format(declared: declared)
        case "data" where !sawData:
            guard let encoding else { throw .dataBeforeFormat }
            sawData = true
            // Whole samples only: a last odd byte is not a sample.
            state = .samples(remaining: declared - declared % encoding.bytesPerSample)
        default:
            state = padded == 0 ? .chunkHeader : .skipping(padded)
        }
    }

    private mutating func readFormat(declared: Int) throws(WAVError) {
        let format = try WAVFile.parseFormat(pending, 0, pending.count)
        encoding = try WAVFile.encoding(of: format)
        sampleRate = format.rate
        pending.removeAll(keepingCapacity: true)
        let rest = declared - min(declared, WAVStreamReader.formatBytesKept) + (declared & 1)
        state = rest == 0 ? .chunkHeader : .skipping(rest)
    }

    // MARK: - Samples

    private mutating func convert(
        _ bytes: Slice<UnsafeBufferPointer<UInt8>>, runLength: Int,
        _ body: (UnsafeBufferPointer<Float>, Int) -> Void
    ) {
        guard let encoding, let sampleRate, !bytes.isEmpty else { return }
        let size = encoding.bytesPerSample
        var bytes = bytes
        // A sample split across reads: complete it first.
        if !pending.isEmpty {
            let needed = size - pending.count
            pending += bytes.prefix(needed)
            bytes = bytes.dropFirst(needed)
            guard pending.count == size else { return }
            let first = pending.withUnsafeBufferPointer { WAVFile.sample($0, 0, encoding) }
            pending.removeAll(keepingCapacity: true)
            sampleCount += 1
            [first].withUnsafeBufferPointer { body($0, sampleRate) }
        }
        let whole = bytes.count / size * size
        do {
            let raw = UnsafeBufferPointer(rebasing: bytes)
            var offset = 0
            while offset < whole {
                let count = min(runLength, (whole - offset) / size)
                floats.removeAll(keepingCapacity: true)
                for index in 0..<count { floats.append(WAVFile.sample(raw, offset + index * size, encoding)) }
                offset += count * size
                sampleCount += count
                floats.withUnsafeBufferPointer { body($0, sampleRate) }
            }
        }
        pending += bytes.suffix(bytes.count - whole)
    }
}
