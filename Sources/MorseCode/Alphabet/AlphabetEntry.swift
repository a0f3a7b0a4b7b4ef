/// One row of a Morse alphabet: a symbol and the code that carries it.
///
/// A symbol is one upper-case character (`A`, `É`, `?`) or a prosign written between angle brackets (`<SK>`).
/// Rows are plain data so that an alphabet can be stored anywhere (the worker keeps them in a database).
public struct AlphabetEntry: Sendable, Hashable, Codable {
    /// What the row stands for, as text is written: `A`, `É`, `0`, `<SK>`.
    public var symbol: String
    /// The code as dits and dahs: `.-`.
    public var code: String
    /// The group the row belongs to, for tables and documentation.
    public var category: Category
    /// True for signs that are common on the air but not part of ITU-R M.1677-1 (`!`, `&`, `;`, `_`, `$`).
    public var isExtension: Bool
    /// Among rows that share a code, the one the decoder writes. See ``Alphabet`` for the policy.
    public var decodesByDefault: Bool

    public enum Category: String, Sendable, Hashable, Codable, CaseIterable {
        case letter, figure, punctuation, prosign
    }

    public init(
        symbol: String,
        code: String,
        category: Category,
        isExtension: Bool = false,
        decodesByDefault: Bool = true
    ) {
        self.symbol = symbol
        self.code = code
        self.category = category
        self.isExtension = isExtension
        self.decodesByDefault = decodesByDefault
    }
}
