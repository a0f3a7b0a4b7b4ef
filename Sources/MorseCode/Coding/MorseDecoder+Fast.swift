extension MorseDecoder {
    /// Byte classes of the fast path.
    private enum Class {
        static let element: UInt8 = 0
        static let space: UInt8 = 1
        /// `/`, `|` or a tab: a word gap whatever the spaces around it.
        static let wordMark: UInt8 = 2
        static let lineBreak: UInt8 = 3
        /// Anything else: the careful path decides.
        static let other: UInt8 = 4

        static let table: [UInt8] = {
            var table = [UInt8](repeating: other, count: 256)
            for byte in [Bytes.dot, Bytes.dash, Bytes.underscore] { table[Int(byte)] = element }
            table[Int(Bytes.space)] = space
            for byte in [Bytes.slash, Bytes.bar, Bytes.tab] { table[Int(byte)] = wordMark }
            table[Int(Bytes.newline)] = lineBreak
            return table
        }()
    }

    /// Decodes well-formed ASCII Morse (known codes of up to nine elements, unambiguous gaps, `\n` line breaks)
    /// with raw stores and no per-byte calls. Returns false, with `output` as it was, at the first thing it does
    /// not handle: the careful path (``decodeBytes``) then decodes the whole input and reports problems. Both
    /// paths give the same text for what this one accepts; tests check it.
    func decodeFast(_ input: UnsafeBufferPointer<UInt8>, into output: MorseOutput) -> Bool {
        let mark = output.count
        // A symbol is at most 7 bytes and its code with a gap at least 2: output is under 4 × input.
        output.reserve(input.count * 4 + 16)
        let accepted = alphabet.decodeTable.withUnsafeBufferPointer { table in
            Class.table.withUnsafeBufferPointer { classes in
                var count = output.count
                let base = output.base
                var wordPending = false
                var lineHasText = false
                var index = 0
                let end = input.count
                while index < end {
                    var byte = input[index]
                    var kind = classes[Int(byte)]
                    if kind == Class.element {
                        var code = 1
                        var length = 0
                        repeat {
                            code = code &<< 1 | Int(byte & 1)
                            length &+= 1
                            index &+= 1
                            guard index < end else { break }
                            byte = input[index]
                            kind = classes[Int(byte)]
                        } while kind == Class.element
                        guard length <= CodeIndex.maxElements, let packed = table[code] else { return false }
                        if wordPending && lineHasText {
                            base.storeBytes(of: Bytes.space, toByteOffset: count, as: UInt8.self)
                            count &+= 1
                        }
                        base.storeBytes(of: packed.bytes, toByteOffset: count, as: UInt64.self)
                        count &+= packed.count
                        wordPending = false
                        lineHasText = true
                        continue
                    }
                    if kind == Class.lineBreak {
                        base.storeBytes(of: Bytes.newline, toByteOffset: count, as: UInt8.self)
                        count &+= 1
                        wordPending = false
                        lineHasText = false
                        index &+= 1
                        continue
                    }
                    guard kind != Class.other else { return false }
                    // A run of separators.
                    var spaces = 0
                    var explicitWord = false
                    while index < end {
                        let kind = classes[Int(input[index])]
                        if kind == Class.space {
                            spaces &+= 1
                        } else if kind == Class.wordMark {
                            explicitWord = true
                        } else {
                            break
                        }
                        index &+= 1
                    }
                    let atLineEdge = !lineHasText || index == end || input[index] == Bytes.newline
                    if explicitWord || spaces >= 7 {
                        wordPending = true
                    } else if spaces >= 4 && !atLineEdge {
                        return false
                    }
                }
                output.count = count
                return true
            }
        }
        if !accepted { output.rewind(to: mark) }
        return accepted
    }
}
