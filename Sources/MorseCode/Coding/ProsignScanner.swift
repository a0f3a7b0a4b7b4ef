/// Recognises a prosign written in text: `<`, one to eight ASCII capitals or figures, `>`.
enum ProsignScanner {
    static let maxLetters = 8

    /// The byte length of the prosign at the start of `bytes`, or nil when it does not start with one.
    /// Lower-case letters count: text is case-insensitive.
    static func length(of bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "<") else { return nil }
        index += 1
        var letters = 0
        while index < bytes.endIndex, letters <= maxLetters {
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") { return letters > 0 ? index - bytes.startIndex + 1 : nil }
            guard isAlphanumeric(byte) else { return nil }
            letters += 1
            index += 1
        }
        return nil
    }

    @inline(__always)
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
