import MorseCode

/// The columns every alphabet query selects, in this order.
let entryColumns = "symbol, code, category, is_extension, decodes_by_default"

extension AlphabetEntry {
    /// A row as stored. A category the core does not know (hand-edited data) reads as punctuation rather than
    /// failing the request: the category only labels the row, coding does not depend on it.
    init(symbol: String, code: String, storedCategory: String, isExtension: Bool, decodesByDefault: Bool) {
        self.init(
            symbol: symbol, code: code, category: Category(rawValue: storedCategory) ?? .punctuation,
            isExtension: isExtension, decodesByDefault: decodesByDefault)
    }
}
