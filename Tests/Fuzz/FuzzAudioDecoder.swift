/// Any bytes as a WAV upload: reading and decoding never crash, and reading the bytes as they arrive — split at
/// a size the first byte chooses — gives what reading the whole file gives (the same text, or the same error),
/// except for the one layout a stream cannot read (samples before their format).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudioDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let split = 1 + Int(data[0]) * 8
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let whole = Result { () throws(WAVError) in try MorseAudioDecoder.decode(wav: bytes) }
    var decoder = WAVMorseDecoder()
    let streamed = Result { () throws(WAVError) -> DecodedAudio in
        var characters: [DecodedCharacter] = []
        var start = 0
        while start < bytes.count {
            characters += try decoder.feed(Array(bytes[start..<min(bytes.count, start + split)]))
            start += split
        }
        characters += try decoder.finish()
        return decoder.result(characters)
    }
    switch (whole, streamed) {
    case (_, .failure(.dataBeforeFormat)):
        break
    case (.success(let a), .success(let b)):
        precondition(a.text == b.text, "streamed text \(b.text) differs from the whole file's \(a.text)")
        precondition(a.durationSeconds == b.durationSeconds, "streamed duration differs")
    case (.failure(let a), .failure(let b)):
        precondition(a == b, "streamed error \(b) differs from the whole file's \(a)")
    case (.success, .failure(let error)):
        preconditionFailure("the whole file decodes but the stream fails: \(error)")
    case (.failure(let error), .success):
        preconditionFailure("the stream decodes but the whole file fails: \(error)")
    }
    return 0
}
