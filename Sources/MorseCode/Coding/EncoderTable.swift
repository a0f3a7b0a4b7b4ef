/// The encoder's per-byte lookup for ASCII text, built once per alphabet.
///
/// Each byte has a kind and, for a symbol, its code packed in a word. The hot loop turns a byte into: the gap
/// before it (which depends on what came before: nothing, a letter, or a word break), its code, and what comes
/// next, all by table lookup, with no branch on the kind except for the rare slow kinds.
struct EncoderTable: Sendable {
    enum Kind: UInt8 {
        /// A character with a code.
        case symbol = 0
        /// A space or tab: makes the next gap a word gap.
        case space = 1
        /// `\n`: written as it is; the next symbol starts a line.
        case lineBreak = 2
        /// Anything needing a look around or a report: `<`, `%`, `\r`, no code, non-ASCII.
        case slow = 3
    }

    /// Code bytes (or `\n`) per byte, little-endian.
    let words: [UInt64]
    /// Code length per byte in the low bits, kind in the high two bits.
    let meta: [UInt8]

    // The state machine of gaps, as constants shifted by `step = kind << 2 | pending gap` rather than tables:
    // the next state then depends on a register shift, not on a memory load, and the loop runs twice as fast.
    //
    //   kind \ pending gap   none          letter        word
    //   symbol               0 → letter    1 → letter    3 → letter     (gap bytes written → next)
    //   space                0 → none      0 → word      0 → word
    //   line break           0 → none      0 → none      0 → none

    /// The number of gap bytes to write before the byte's code, four bits per step.
    static let gapLengths: UInt64 = 0x310
    /// The pending gap after the byte, two bits per step.
    static let nextGaps: UInt64 = 0x2815
    /// Always " / ": its first `gapLength` bytes are the gap (none, " " or " / "); the code overwrites the rest.
    static let gapWord: UInt64 = 0x20_2F_20

    @inline(__always)
    static func gapLength(step: Int) -> Int { Int(truncatingIfNeeded: gapLengths &>> UInt64(step &<< 2)) & 0xF }

    @inline(__always)
    static func nextGap(step: Int) -> Int { Int(truncatingIfNeeded: nextGaps &>> UInt64(step &<< 1)) & 0x3 }

    init(alphabet: Alphabet) {
        var words = [UInt64](repeating: 0, count: 256)
        var meta = [UInt8](repeating: Kind.slow.rawValue << 6, count: 256)
        for byte in 0..<128 {
            if let packed = alphabet.asciiCodes[byte] {
                words[byte] = packed.bytes
                meta[byte] = UInt8(packed.count) | Kind.symbol.rawValue << 6
            }
        }
        for byte in [Bytes.space, Bytes.tab, 0x0B, 0x0C] { meta[Int(byte)] = Kind.space.rawValue << 6 }
        words[Int(Bytes.newline)] = UInt64(Bytes.newline)
        meta[Int(Bytes.newline)] = 1 | Kind.lineBreak.rawValue << 6
        // `<` may start a prosign and `%` depends on the character before it, even where the alphabet has them.
        for byte in [UInt8(ascii: "<"), UInt8(ascii: "%"), Bytes.carriageReturn] {
            meta[Int(byte)] = Kind.slow.rawValue << 6
        }
        self.words = words
        self.meta = meta
    }
}
