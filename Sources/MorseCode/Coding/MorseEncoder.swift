/// Turns text into Morse: one space between letters, ` / ` between words, line breaks kept.
///
/// Case-insensitive. Strict coding throws the first character the alphabet cannot send, with its position;
/// lenient coding writes ``MorseError/placeholder`` in its place and reports it.
public struct MorseEncoder: Sendable {
    let alphabet: Alphabet
    let table: EncoderTable

    public init(alphabet: Alphabet = .itu) {
        self.alphabet = alphabet
        self.table = EncoderTable(alphabet: alphabet)
    }

    /// The Morse for `text`, or the first problem.
    public func encode(_ text: String) throws(MorseError) -> String {
        var problems: [MorseError] = []
        let output = MorseOutput(capacity: text.utf8.count * 5)
        try encode(text, lenient: false, into: output, problems: &problems)
        return output.string()
    }

    /// The Morse for `text`, with a placeholder for each problem, and the problems.
    public func encodeLenient(_ text: String) -> (morse: String, problems: [MorseError]) {
        var problems: [MorseError] = []
        let output = MorseOutput(capacity: text.utf8.count * 5)
        do {
            try encode(text, lenient: true, into: output, problems: &problems)
        } catch {
            preconditionFailure("lenient encoding does not throw")
        }
        return (output.string(), problems)
    }

    /// Encodes UTF-8 text made of whole lines (it may end anywhere outside a character), appending to `buffer`.
    /// Positions in problems are counted from `positionBase`. Returns the number of characters read, so that a
    /// caller coding a stream in pieces can carry positions on.
    @discardableResult
    public func encode(
        utf8 input: UnsafeBufferPointer<UInt8>,
        lenient: Bool,
        positionBase: Int = 0,
        into buffer: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) -> Int {
        let mark = buffer.count
        let problemsMark = problems.count
        let characters: Int
        if let read = try encodeASCII(
            input, lenient: lenient, positionBase: positionBase, into: buffer,
            problems: &problems)
        {
            characters = read
        } else {
            buffer.rewind(to: mark)
            problems.removeSubrange(problemsMark...)
            let text = String(decoding: input, as: UTF8.self)
            var local: [MorseError] = []
            try encode(text, lenient: lenient, into: buffer, problems: &local)
            problems += local.map { $0.shifted(by: positionBase) }
            characters = text.count
        }
        return characters
    }

    // MARK: - Paths

    func encode(
        _ text: String,
        lenient: Bool,
        into output: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) {
        let mark = output.count
        let problemsMark = problems.count
        var text = text
        text.makeContiguousUTF8()
        let ascii = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(MorseError) -> Int? in
                try encodeASCII(buffer, lenient: lenient, positionBase: 0, into: output, problems: &problems)
            }
        }
        if case .success(.some) = ascii { return }
        if case .failure(let error) = ascii { throw error }
        output.rewind(to: mark)
        problems.removeSubrange(problemsMark...)
        try encodeGeneral(text, lenient: lenient, into: output, problems: &problems)
    }

    /// Any Unicode text, symbol by symbol through the ``TextTokenizer``.
    func encodeGeneral(
        _ text: String,
        lenient: Bool,
        into output: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) {
        var pending = PendingGap.none
        for token in TextTokenizer.tokens(text) {
            switch token {
            case .space:
                if pending == .letter { pending = .word }
            case .lineBreak:
                output.append(Bytes.newline)
                pending = .none
            case .symbol(let symbol, let position, let source):
                try append(
                    symbol, at: position, offending: source, lenient: lenient, after: &pending, into: output,
                    problems: &problems)
            }
        }
    }

    /// ASCII text, byte by byte through ``EncoderTable``. Returns nil, having written an unspecified prefix, at the
    /// first non-ASCII byte: the caller then takes the general path. Returns the characters read otherwise.
    func encodeASCII(
        _ input: UnsafeBufferPointer<UInt8>,
        lenient: Bool,
        positionBase: Int,
        into output: MorseOutput,
        problems: inout [MorseError]
    ) throws(MorseError) -> Int? {
        var pending = PendingGap.none
        // "\r\n" is one character: count them to turn byte offsets into character positions.
        var joinedLineBreaks = 0
        var index = 0
        let end = input.count
        // The worst a fast byte writes: a word gap and a 7-element code.
        let blockSize = 4096
        let worstPerByte = 10
        while index < end {
            output.reserve(blockSize * worstPerByte)
            let blockEnd = min(end, index + blockSize)
            let stopped = table.words.withUnsafeBufferPointer { words in
                table.meta.withUnsafeBufferPointer { meta in
                    var count = output.count
                    let base = output.base
                    var gap = Int(pending.rawValue)
                    while index < blockEnd {
                        let byte = Int(input[index])
                        let info = Int(meta[byte])
                        let kind = info &>> 6
                        if kind == 3 { break }
                        let step = kind &<< 2 | gap
                        base.storeBytes(of: EncoderTable.gapWord, toByteOffset: count, as: UInt64.self)
                        count &+= EncoderTable.gapLength(step: step)
                        base.storeBytes(of: words[byte], toByteOffset: count, as: UInt64.self)
                        count &+= info & 0x3F
                        gap = EncoderTable.nextGap(step: step)
                        index &+= 1
                    }
                    output.count = count
                    pending = PendingGap(rawValue: UInt8(gap))!
                    return index < blockEnd
                }
            }
            guard stopped else { continue }
            // A slow byte.
            let byte = input[index]
            if byte >= 0x80 { return nil }
            if byte == Bytes.carriageReturn {
                if index + 1 < end, input[index + 1] == Bytes.newline {
                    joinedLineBreaks += 1
                    index += 1
                }
                output.append(Bytes.newline)
                pending = .none
                index += 1
                continue
            }
            let position = positionBase + index - joinedLineBreaks
            let rest = UnsafeBufferPointer(rebasing: input[index...])
            // A combining mark after it makes one character of this byte and the next: the general path judges.
            if rest.count > 1, rest[1] >= 0x80 { return nil }
            var symbols: [String]
            var consumed = 1
            if byte == UInt8(ascii: "<"), let length = ProsignScanner.length(of: Array(rest.prefix(11))[...]) {
                symbols = [String(decoding: rest.prefix(length), as: UTF8.self).uppercased()]
                consumed = length
            } else if byte == UInt8(ascii: "%") {
                // Joined to a number by a hyphen: the tokenizer's rule, read from the byte before.
                let previous = index > 0 ? input[index - 1] : 0
                let afterFigure = previous &- UInt8(ascii: "0") < 10 || previous == UInt8(ascii: "%")
                symbols = TextRules.percentSymbols(for: "%", afterFigure: afterFigure)!
            } else {
                symbols = [String(UnicodeScalar(byte))]
            }
            for symbol in symbols {
                try append(
                    symbol, at: position, offending: symbol, lenient: lenient, after: &pending, into: output,
                    problems: &problems)
            }
            index += consumed
        }
        return end - joinedLineBreaks
    }

    /// One symbol's code after the gap that is due, or, for a symbol the alphabet lacks, the problem (thrown, or
    /// recorded with a placeholder when lenient). Both encoding paths end here, so they cannot disagree.
    @inline(__always)
    private func append(
        _ symbol: String, at position: Int, offending: String, lenient: Bool, after pending: inout PendingGap,
        into output: MorseOutput, problems: inout [MorseError]
    ) throws(MorseError) {
        var code = alphabet.code(for: symbol)
        if code == nil {
            let kind: MorseError.Kind = symbol.count > 1 ? .unknownProsign : .unencodableCharacter
            let problem = MorseError(kind: kind, position: position, offending: offending)
            guard lenient else { throw problem }
            problems.append(problem)
            code = MorseError.placeholder
        }
        writeGap(pending, into: output)
        output.append(contentsOf: code!.utf8)
        pending = .letter
    }

    private func writeGap(_ gap: PendingGap, into output: MorseOutput) {
        switch gap {
        case .none: break
        case .letter: output.append(Bytes.space)
        case .word: output.append(contentsOf: " / ".utf8)
        }
    }
}

extension MorseEncoder {
    /// The distinct symbols `text` needs, after the input rules: what a caller with the alphabet elsewhere (a
    /// database) must fetch before encoding.
    public static func symbols(in text: String) -> Set<String> {
        TextTokenizer.symbols(in: text)
    }
}
