/// Splits text into the symbols the encoder sends, applying ``TextRules``.
///
/// This is the general path, for any Unicode text. The encoder has a faster path for ASCII text that must agree
/// with it exactly; tests check that they do.
struct TextTokenizer {
    enum Token: Equatable {
        /// A symbol to look up (`"A"`, `"<SK>"`), with the character offset of what produced it.
        case symbol(String, position: Int, source: String)
        /// A run of spaces or tabs.
        case space
        case lineBreak
    }

    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var position = 0
        var lastWasFigure = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            // A prosign is ASCII; look for one only where `<` starts.
            if character == "<", let length = ProsignScanner.length(of: Array(text.utf8[index...].prefix(11))[...]) {
                let end = text.utf8.index(index, offsetBy: length)
                let prosign = String(text[index..<end]).uppercased()
                tokens.append(.symbol(prosign, position: position, source: prosign))
                position += length
                index = end
                lastWasFigure = false
                continue
            }
            defer {
                index = text.index(after: index)
                position += 1
            }
            if TextRules.isLineBreak(character) {
                tokens.append(.lineBreak)
                lastWasFigure = false
            } else if TextRules.isHorizontalSpace(character) {
                if tokens.last != .space { tokens.append(.space) }
                lastWasFigure = false
            } else if let symbols = TextRules.percentSymbols(for: character, afterFigure: lastWasFigure) {
                for symbol in symbols { tokens.append(.symbol(symbol, position: position, source: String(character))) }
                lastWasFigure = true
            } else if let symbols = TextRules.substitutions[character] {
                for symbol in symbols { tokens.append(.symbol(symbol, position: position, source: String(character))) }
                lastWasFigure = false
            } else {
                let upper = character.uppercased()
                // Upper-casing may change the count ("ß" → "SS"): then the character is not sendable as it is.
                let symbol = upper.count == 1 ? upper : String(character)
                tokens.append(.symbol(symbol, position: position, source: String(character)))
                lastWasFigure = character.isASCII && character.isNumber
            }
        }
        return tokens
    }

    /// The distinct symbols a text needs: what the worker fetches from its database.
    static func symbols(in text: String) -> Set<String> {
        var text = text
        if let symbols = text.withUTF8(asciiSymbols) { return symbols }
        var symbols = Set<String>()
        for case .symbol(let symbol, _, _) in tokens(text) { symbols.insert(symbol) }
        return symbols
    }

    /// The same for ASCII text without making a token per character: a bitmap of the bytes seen, prosigns aside.
    /// Nil at the first non-ASCII byte. Agrees with ``tokens(_:)`` (tests check it).
    private static func asciiSymbols(_ bytes: UnsafeBufferPointer<UInt8>) -> Set<String>? {
        var seen: (UInt64, UInt64) = (0, 0)
        var prosigns = Set<String>()
        func mark(_ byte: UInt8) {
            if byte < 64 { seen.0 |= 1 << UInt64(byte) } else { seen.1 |= 1 << UInt64(byte - 64) }
        }
        var index = 0
        while index < bytes.count {
            var byte = bytes[index]
            if byte >= 0x80 { return nil }
            if byte == UInt8(ascii: "<"),
                let length = ProsignScanner.length(of: Array(bytes[index..<min(bytes.count, index + 11)])[...])
            {
                prosigns.insert(String(decoding: bytes[index..<index + length], as: UTF8.self).uppercased())
                index += length
                continue
            }
            if byte == UInt8(ascii: "%") {
                let previous = index > 0 ? bytes[index - 1] : 0
                if previous &- UInt8(ascii: "0") < 10 || previous == UInt8(ascii: "%") { mark(UInt8(ascii: "-")) }
                mark(UInt8(ascii: "0"))
                mark(UInt8(ascii: "/"))
            } else if byte > 0x20 && byte < 0x7F {
                if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { byte -= 32 }
                mark(byte)
            } else if byte < 0x20 && byte != Bytes.tab && byte != Bytes.newline && byte != Bytes.carriageReturn
                && byte != 0x0B && byte != 0x0C
            {
                mark(byte)  // a control character: a symbol no alphabet has, reported by the encoder
            } else if byte == 0x7F {
                mark(byte)
            }
            index += 1
        }
        var symbols = prosigns
        for byte in 0..<128 where (byte < 64 ? seen.0 >> UInt64(byte) : seen.1 >> UInt64(byte - 64)) & 1 == 1 {
            symbols.insert(String(UnicodeScalar(UInt8(byte))))
        }
        return symbols
    }
}
