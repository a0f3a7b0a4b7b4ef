import MorseCode

/// Random texts over everything a user may type: every symbol of the ITU table (and its extensions), in upper
/// and lower case, prosigns, and the §3 signs that have no code of their own.
struct RandomTexts {
    static let pieces: [String] = {
        var pieces = Alphabet.ituEntries.map(\.symbol)
        pieces += Alphabet.ituEntries.filter { $0.category == .letter }.map { $0.symbol.lowercased() }
        pieces += ["%", "‰", "×", "′", "″", "‘", "’", "“", "”"]
        return pieces
    }()

    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// One to six words of one to eight symbols.
    mutating func next() -> String {
        let words = Int.random(in: 1...6, using: &generator)
        return (0..<words).map { _ in
            let length = Int.random(in: 1...8, using: &generator)
            return (0..<length).map { _ in RandomTexts.pieces.randomElement(using: &generator)! }.joined()
        }.joined(separator: " ")
    }
}

/// A seedable generator: a failing run can be replayed with the seed it printed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
