/// Any bytes as text: encoding never crashes, strict and lenient agree, the ASCII fast path and the general path
/// agree, and what encodes strictly decodes to the normalised text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEncoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let encoder = MorseEncoder()
    let lenient = encoder.encodeLenient(text)
    do {
        let morse = try encoder.encode(text)
        precondition(lenient.problems.isEmpty, "strict encoding succeeded but lenient reported problems")
        precondition(lenient.morse == morse, "strict and lenient encoding differ")
        let back = try MorseDecoder().decode(morse)
        precondition(back == encoder.normalize(text), "round trip differs from normalize")
        // A trailing minute sign forces the general path; it encodes as an apostrophe, which the fast path writes.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            precondition(
                (try? encoder.encode(text + "′")) == (try? encoder.encode(text + "'")), "fast and general paths differ")
        }
    } catch {
        precondition(!lenient.problems.isEmpty, "strict encoding failed but lenient reported nothing")
        precondition(lenient.problems[0] == error, "the first lenient problem is not the strict error")
    }
    return 0
}
