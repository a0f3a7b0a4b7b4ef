/// How text is read before it is sent: the input rules of ITU-R M.1677-1 §3 and the usual typographic
/// substitutions. These rules are the same in every code path (fast and general), the ``TextTokenizer`` being the
/// single place that applies them.
enum TextRules {
    /// Characters replaced by one or more symbols before lookup.
    /// - `×` (multiplication sign) is sent as X.
    /// - `′` (minute) is one apostrophe, `″` (second) two.
    /// - Curly quotes become straight ones.
    /// - `%` and `‰` are handled by the tokenizer, since they depend on the character before them.
    static let substitutions: [Character: [String]] = [
        "×": ["X"],
        "′": ["'"], "″": ["'", "'"],
        "‘": ["'"], "’": ["'"], "‚": ["'"],
        "“": ["\""], "”": ["\""], "„": ["\""],
    ]

    /// `%` is sent as `0/0`, `‰` as `0/00`, joined to a number before it by a hyphen (`2%` → `2-0/0`).
    static func percentSymbols(for character: Character, afterFigure: Bool) -> [String]? {
        let base: [String]
        switch character {
        case "%": base = ["0", "/", "0"]
        case "‰": base = ["0", "/", "0", "0"]
        default: return nil
        }
        return afterFigure ? ["-"] + base : base
    }

    /// True for the characters that separate words in text (a newline is kept as a line break instead).
    static func isHorizontalSpace(_ character: Character) -> Bool {
        character != "\n" && character != "\r\n" && character.isWhitespace
    }

    static func isLineBreak(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n" || character == "\r"
    }
}
