extension MorseEncoder {
    /// The text as it comes back from the air: what `decode(encode(text))` gives, worked out from the text alone.
    ///
    /// Upper case; the §3 input rules applied (`2%` → `2-0/0`, `×` → `X`, curly quotes straight); each symbol
    /// spelt as its code decodes (`&` → `<AS>`, `<AR>` → `+`, `<VA>` → `<SK>`); one space between words;
    /// line breaks kept; characters with no code as ``MorseError/placeholder``.
    public func normalize(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        var lineHasText = false
        for token in TextTokenizer.tokens(text) {
            switch token {
            case .space:
                pendingSpace = lineHasText
            case .lineBreak:
                result.append("\n")
                pendingSpace = false
                lineHasText = false
            case .symbol(let symbol, _, _):
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                lineHasText = true
                result += alphabet.code(for: symbol).flatMap(alphabet.symbol(for:)) ?? MorseError.placeholder
            }
        }
        return result
    }
}
