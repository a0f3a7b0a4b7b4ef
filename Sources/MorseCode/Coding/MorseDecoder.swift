/// Turns Morse into text.
///
/// Reads `.` and `-`, and the glyphs people paste: `•` `·` `∙` for dit, `_` `−` `–` `—` for dah. Between letters:
/// 1 to 3 spaces. Between words: `/` or `|` (with any spaces around), a tab, or 7 or more spaces. 4 to 6 spaces are
/// ambiguous: strict decoding rejects them, lenient decoding reads a word gap. Line breaks are kept.
/// Decoded text has no space between letters and one between words.
public struct MorseDecoder: Sendable {
    let alphabet: Alphabet

    public init(alphabet: Alphabet = .itu) {
        self.alphabet = alphabet
    }

    public func decode(_ morse: String) throws(MorseError) -> String {
        var problems: [MorseError] = []
        let output = MorseOutput(capacity: morse.utf8.count)
        try decode(morse, lenient: false, into: output, problems: &problems)
        return output.string()
    }

    public func decodeLenient(_ morse: String) -> (text: String, problems: [MorseError]) {
        var problems: [MorseError] = []
        let output = MorseOutput(capacity: morse.utf8.count)
        do {
            try decode(morse, lenient: true, into: output, problems: &problems)
        } catch {
            preconditionFailure("lenient decoding does not throw")
        }
        return (output.string(), problems)
    }

    /// Decodes UTF-8 Morse made of whole lines, appending to `buffer`; see ``MorseEncoder`` for the pieces.
    @discardableResult
    public func decode(
        utf8 input: UnsafeBufferPointer<UInt8>,
        lenient: Bool,
        positionBase: Int = 0,
        into buffer: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) -> Int {
        var local: [MorseError] = []
        let characters: Int
        if input.allSatisfy({ $0 < 0x80 }) {
            if !decodeFast(input, into: buffer) {
                try decodeBytes(input, lenient: lenient, positions: nil, into: buffer, problems: &local)
            }
            characters = input.count
        } else {
            let text = String(decoding: input, as: UTF8.self)
            try decode(text, lenient: lenient, into: buffer, problems: &local)
            characters = text.count
        }
        problems += local.map { $0.shifted(by: positionBase) }
        return characters
    }

    /// The distinct codes `morse` holds: what a caller with the alphabet in a database must fetch.
    /// Groups that are not Morse are left out (decoding reports them).
    public static func codes(in morse: String) -> Set<String> {
        var codes = Set<String>()
        var current = ""
        var valid = true
        for character in morse {
            if let element = MorseGlyphs.element(character) {
                current.append(element)
            } else if MorseGlyphs.isSeparator(character) {
                if valid && !current.isEmpty { codes.insert(current) }
                current = ""
                valid = true
            } else {
                valid = false
            }
        }
        if valid && !current.isEmpty { codes.insert(current) }
        return codes
    }

    // MARK: - Paths

    func decode(
        _ morse: String,
        lenient: Bool,
        into output: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) {
        if morse.utf8.allSatisfy({ $0 < 0x80 }) {
            var morse = morse
            morse.makeContiguousUTF8()
            let result = morse.utf8.withContiguousStorageIfAvailable { buffer in
                Result { () throws(MorseError) in
                    if decodeFast(buffer, into: output) { return }
                    try decodeBytes(buffer, lenient: lenient, positions: nil, into: output, problems: &problems)
                }
            }!
            try result.get()
            return
        }
        // Other glyphs: fold every character to one ASCII byte, remembering where each came from, and decode that.
        var bytes: [UInt8] = []
        var originals: [Character] = []
        for character in morse {
            if let element = MorseGlyphs.element(character) {
                bytes.append(element == "." ? Bytes.dot : Bytes.dash)
            } else if character == "\r\n" {
                bytes.append(Bytes.newline)
            } else if character.isASCII, let byte = character.asciiValue {
                bytes.append(byte)
            } else if MorseGlyphs.isSeparator(character) {
                bytes.append(Bytes.space)
            } else {
                bytes.append(0)
            }
            originals.append(character)
        }
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(MorseError) in
                try decodeBytes(buffer, lenient: lenient, positions: originals, into: output, problems: &problems)
            }
        }
        try result.get()
    }

    /// The decoder proper, on one byte per character. `positions`, when given, holds the original characters (for
    /// messages); byte offsets are character positions either way.
    func decodeBytes(
        _ input: UnsafeBufferPointer<UInt8>,
        lenient: Bool,
        positions originals: [Character]?,
        into output: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) {
        let table = alphabet.decodeTable
        var pending = PendingGap.none
        var lineHasText = false
        var index = 0
        let end = input.count

        func original(_ range: Range<Int>) -> String {
            if let originals { return String(originals[range]) }
            return String(decoding: UnsafeBufferPointer(rebasing: input[range]), as: UTF8.self)
        }

        func emit(_ packed: PackedCode?, fallback: String?) {
            output.reserve(16)
            if pending == .word && lineHasText { output.storeWord(UInt64(Bytes.space), length: 1) }
            if let packed {
                output.storeWord(packed.bytes, length: packed.count)
            } else if let fallback {
                output.append(contentsOf: fallback.utf8)
            }
            pending = .none
            lineHasText = true
        }

        while index < end {
            let byte = input[index]
            // A group of elements.
            if byte == Bytes.dot || byte == Bytes.dash || byte == Bytes.underscore {
                let start = index
                var code = 1
                var valid = true
                while index < end {
                    let byte = input[index]
                    if byte == Bytes.dot {
                        code = code &<< 1
                    } else if byte == Bytes.dash || byte == Bytes.underscore {
                        code = code &<< 1 | 1
                    } else if MorseGlyphs.isSeparatorByte(byte) {
                        break
                    } else {
                        valid = false
                        break
                    }
                    index += 1
                }
                if valid {
                    let length = index - start
                    if length <= CodeIndex.maxElements, let packed = table[code] {
                        emit(packed, fallback: nil)
                        continue
                    }
                    let text = String(
                        decoding: UnsafeBufferPointer(rebasing: input[start..<index]).map {
                            $0 == Bytes.dot ? Bytes.dot : Bytes.dash
                        }, as: UTF8.self)
                    if length > CodeIndex.maxElements, let symbol = alphabet.symbol(for: text) {
                        emit(nil, fallback: symbol)
                        continue
                    }
                    let problem = MorseError(kind: .unknownCode, position: start, offending: text)
                    guard lenient else { throw problem }
                    problems.append(problem)
                    emit(nil, fallback: MorseError.placeholder)
                    continue
                }
                // Fall through to the invalid character at `index`, reported for the whole group.
                let bad = index
                while index < end, !MorseGlyphs.isSeparatorByte(input[index]) { index += 1 }
                let problem = MorseError(
                    kind: .invalidMorseCharacter, position: bad, offending: original(bad..<bad + 1))
                guard lenient else { throw problem }
                problems.append(problem)
                emit(nil, fallback: MorseError.placeholder)
                continue
            }
            switch byte {
            case Bytes.newline, Bytes.carriageReturn:
                if byte == Bytes.carriageReturn, index + 1 < end, input[index + 1] == Bytes.newline { index += 1 }
                output.append(Bytes.newline)
                pending = .none
                lineHasText = false
                index += 1
            case Bytes.space, Bytes.tab, Bytes.slash, Bytes.bar:
                let start = index
                var spaces = 0
                var explicitWord = false
                while index < end {
                    let byte = input[index]
                    if byte == Bytes.space {
                        spaces += 1
                    } else if byte == Bytes.tab || byte == Bytes.slash || byte == Bytes.bar {
                        explicitWord = true
                    } else {
                        break
                    }
                    index += 1
                }
                let atLineEdge =
                    !lineHasText || index == end || input[index] == Bytes.newline
                    || input[index] == Bytes.carriageReturn
                if explicitWord || spaces >= 7 {
                    pending = .word
                } else if spaces >= 4 && !atLineEdge {
                    let problem = MorseError(
                        kind: .ambiguousGap, position: start, offending: String(repeating: " ", count: spaces))
                    guard lenient else { throw problem }
                    problems.append(problem)
                    pending = .word
                } else if pending == .none {
                    pending = .letter
                }
            default:
                let start = index
                while index < end, !MorseGlyphs.isSeparatorByte(input[index]) { index += 1 }
                let problem = MorseError(
                    kind: .invalidMorseCharacter, position: start, offending: original(start..<start + 1))
                guard lenient else { throw problem }
                problems.append(problem)
                emit(nil, fallback: MorseError.placeholder)
            }
        }
    }
}

/// The characters Morse text is written with.
enum MorseGlyphs {
    static func element(_ character: Character) -> Character? {
        switch character {
        case ".", "•", "·", "∙": "."
        case "-", "_", "−", "–", "—": "-"
        default: nil
        }
    }

    static func isSeparator(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "/" || character == "|" || character.isNewline
    }

    @inline(__always)
    static func isSeparatorByte(_ byte: UInt8) -> Bool {
        byte == Bytes.space || byte == Bytes.slash || byte == Bytes.newline || byte == Bytes.tab || byte == Bytes.bar
            || byte == Bytes.carriageReturn
    }
}
