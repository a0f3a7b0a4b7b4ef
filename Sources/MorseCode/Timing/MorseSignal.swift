/// The on/off structure of Morse text, one signal at a time, read without allocating.
///
/// Reads the encoder's output form (`.` `-`, a space between letters, ` / ` between words, line breaks read as
/// word gaps) and the decoder's separators generally: a run with `/`, `|`, a tab or a line break, or 7+ spaces,
/// is a word gap; any other run of spaces a letter gap. Anything else (a lenient placeholder) is skipped.
public enum MorseSignal: Sendable, Equatable {
    case dit, dah
    /// The 1-unit silence between elements of one character.
    case elementGap
    case letterGap, wordGap

    var isOn: Bool { self == .dit || self == .dah }

    /// Length in units: dit 1, dah 3, gaps 1, 3, 7.
    public var units: Int {
        switch self {
        case .dit, .elementGap: 1
        case .dah, .letterGap: 3
        case .wordGap: 7
        }
    }
}

/// Iterates the signals of a Morse text. Leading and trailing gaps are dropped.
public struct MorseSignals: Sequence, Sendable {
    let morse: String

    public init(_ morse: String) {
        self.morse = morse
    }

    public func makeIterator() -> Iterator { Iterator(bytes: Array(morse.utf8)) }

    public struct Iterator: IteratorProtocol, Sendable {
        let bytes: [UInt8]
        var index = 0
        var queued: MorseSignal?
        var pendingGap: MorseSignal?
        var lastWasElement = false

        public mutating func next() -> MorseSignal? {
            if let queued {
                self.queued = nil
                return queued
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == Bytes.dot || byte == Bytes.dash || byte == Bytes.underscore {
                    index += 1
                    let element: MorseSignal = byte == Bytes.dot ? .dit : .dah
                    // A gap is written only once an element follows it, so trailing gaps vanish.
                    let gap = pendingGap ?? (lastWasElement ? .elementGap : nil)
                    pendingGap = nil
                    lastWasElement = true
                    guard let gap else { return element }
                    queued = element
                    return gap
                }
                if MorseGlyphs.isSeparatorByte(byte) {
                    var spaces = 0
                    var word = false
                    while index < bytes.count, MorseGlyphs.isSeparatorByte(bytes[index]) {
                        if bytes[index] == Bytes.space { spaces += 1 } else { word = true }
                        index += 1
                    }
                    if lastWasElement || pendingGap != nil {
                        if word || spaces >= 7 || pendingGap == .wordGap {
                            pendingGap = .wordGap
                        } else {
                            pendingGap = .letterGap
                        }
                    }
                    lastWasElement = false
                } else {
                    // Not Morse (a lenient placeholder): skipped, its gaps kept.
                    index += 1
                }
            }
            return nil
        }
    }
}

extension MorseSignals {
    /// Total length in units, without a trailing gap. `SOS` is 27.
    public var units: Int { reduce(0) { $0 + $1.units } }

    /// One digit per unit, 1 on and 0 off: `SOS` is `101010001110111011100010101`.
    var binary: String {
        var text = ""
        for signal in self { text += String(repeating: signal.isOn ? "1" : "0", count: signal.units) }
        return text
    }
}
