/// Any bytes as Morse: decoding never crashes, strict and lenient agree, and what decodes strictly encodes back to
/// Morse that decodes to the same text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let morse = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let decoder = MorseDecoder()
    let lenient = decoder.decodeLenient(morse)
    do {
        let text = try decoder.decode(morse)
        precondition(lenient.problems.isEmpty, "strict decoding succeeded but lenient reported problems")
        precondition(lenient.text == text, "strict and lenient decoding differ")
        let again = try MorseEncoder().encode(text)
        let back = try decoder.decode(again)
        precondition(back == text, "decoded text does not survive a round trip")
    } catch {
        precondition(!lenient.problems.isEmpty, "strict decoding failed but lenient reported nothing")
        precondition(lenient.problems[0] == error, "the first lenient problem is not the strict error")
    }
    return 0
}
