/// Up to eight bytes of text packed in a machine word, so that the hot loops write a code or a symbol with one
/// unaligned store instead of a copy loop.
struct PackedCode: Sendable, Equatable {
    /// The bytes, little-endian: byte 0 is written first.
    let bytes: UInt64
    let count: Int
    /// The same bytes behind a letter space, for the common case of a letter that follows another.
    let spaced: UInt64

    init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 7 else { return nil }
        var word: UInt64 = 0
        for (shift, byte) in utf8.enumerated() { word |= UInt64(byte) << (8 * UInt64(shift)) }
        bytes = word
        count = utf8.count
        spaced = (word << 8) | UInt64(UInt8(ascii: " "))
    }
}

/// A code as a number: a leading 1 bit, then one bit per element (0 = dit, 1 = dah). `.-` is 0b110.
/// Codes of up to nine elements (`<SOS>`) index a flat table; longer ones fall back to a dictionary.
struct CodeIndex: Equatable {
    static let maxElements = 9
    static let tableSize = 1 << (maxElements + 1)
    let value: Int

    init?(_ code: String) {
        guard code.utf8.count <= CodeIndex.maxElements else { return nil }
        var value = 1
        for byte in code.utf8 { value = value << 1 | (byte == UInt8(ascii: "-") ? 1 : 0) }
        self.value = value
    }
}
