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
        var symbols = Set<String>()
        for case .symbol(let symbol, _, _) in tokens(text) { symbols.insert(symbol) }
        return symbols
    }
}
