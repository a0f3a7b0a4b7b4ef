/// A problem found in the input, with where it is.
///
/// Strict coding throws the first one; lenient coding writes a placeholder (``placeholder``) and reports every
/// one. `position` counts characters (grapheme clusters) from 0, as a person counts them in the input.
public struct MorseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, Codable {
        /// Text has a character the alphabet cannot send.
        case unencodableCharacter = "unencodable_character"
        /// Text has `<…>` naming no prosign of the alphabet.
        case unknownProsign = "unknown_prosign"
        /// Morse has a group of dits and dahs that is no code of the alphabet.
        case unknownCode = "unknown_code"
        /// Morse has a character that is neither an element nor a separator.
        case invalidMorseCharacter = "invalid_morse_character"
        /// Morse has 4–6 spaces: neither a letter gap (1–3) nor a word gap (7 or more).
        case ambiguousGap = "ambiguous_gap"
    }

    public var kind: Kind
    /// Character offset of the problem, from 0.
    public var position: Int
    /// The offending character, prosign or code group.
    var offending: String

    /// What lenient coding writes in place of what it could not code.
    static let placeholder = "#"

    init(kind: Kind, position: Int, offending: String) {
        self.kind = kind
        self.position = position
        self.offending = offending
    }

    public var description: String {
        switch kind {
        case .unencodableCharacter:
            "cannot encode \(offending.debugDescription) at position \(position): not in the alphabet"
        case .unknownProsign: "unknown prosign \(offending) at position \(position)"
        case .unknownCode: "unknown code \(offending.debugDescription) at position \(position)"
        case .invalidMorseCharacter:
            "invalid character \(offending.debugDescription) at position \(position): Morse is made of . - and "
                + "spaces, / or | between words"
        case .ambiguousGap:
            "ambiguous gap of \(offending.count) spaces at position \(position): use 1-3 spaces between letters, "
                + "' / ' or 7 or more spaces between words"
        }
    }

    /// The same problem with its position moved by `offset` characters (for input coded in pieces).
    func shifted(by offset: Int) -> MorseError {
        MorseError(kind: kind, position: position + offset, offending: offending)
    }
}
