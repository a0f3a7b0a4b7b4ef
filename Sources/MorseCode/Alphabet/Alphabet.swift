/// A Morse alphabet: rows of ``AlphabetEntry`` compiled into lookup tables for the encoder and decoder.
///
/// An alphabet can be the whole ITU table or only the rows one request needs (the worker fetches just the
/// distinct characters of a request from its database and builds an `Alphabet` from them).
///
/// Policy for codes with two meanings: the row with `decodesByDefault` wins when decoding. When no row of a code
/// has it, the first non-extension row in the given order wins, then the first row. Every row encodes.
public struct Alphabet: Sendable {
    let name: String
    public let entries: [AlphabetEntry]

    /// symbol → code, for every row.
    let codeBySymbol: [String: String]
    /// code → symbol, the decoding choice for each code.
    let symbolByCode: [String: String]
    /// ASCII byte → code, packed for the encoder's fast path (``PackedCode``); `nil` where no single-byte row.
    let asciiCodes: [PackedCode?]
    /// Binary code index (see ``CodeIndex``) → symbol, packed for the decoder's fast path.
    let decodeTable: [PackedCode?]

    public init(name: String, entries: [AlphabetEntry]) throws(AlphabetError) {
        var codeBySymbol: [String: String] = [:]
        var winner: [String: (entry: AlphabetEntry, rank: Int)] = [:]
        for entry in entries {
            guard Alphabet.isValidSymbol(entry.symbol) else { throw .invalidSymbol(entry.symbol) }
            guard !entry.code.isEmpty,
                entry.code.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
            else { throw .invalidCode(symbol: entry.symbol, code: entry.code) }
            if let existing = codeBySymbol[entry.symbol], existing != entry.code {
                throw .conflictingSymbol(entry.symbol)
            }
            codeBySymbol[entry.symbol] = entry.code
            // Lower rank wins: an explicit default, then an ITU row, then the first row seen.
            let rank = entry.decodesByDefault ? 0 : (entry.isExtension ? 2 : 1)
            if let current = winner[entry.code] {
                if rank == 0 && current.rank == 0 && current.entry.symbol != entry.symbol {
                    throw .ambiguousCode(code: entry.code, symbols: [current.entry.symbol, entry.symbol])
                }
                if rank < current.rank { winner[entry.code] = (entry, rank) }
            } else {
                winner[entry.code] = (entry, rank)
            }
        }
        self.name = name
        self.entries = entries
        self.codeBySymbol = codeBySymbol
        self.symbolByCode = winner.mapValues(\.entry.symbol)

        var ascii = [PackedCode?](repeating: nil, count: 128)
        for (symbol, code) in codeBySymbol where symbol.utf8.count == 1 {
            let byte = symbol.utf8.first!
            if byte < 128, let packed = PackedCode(code) { ascii[Int(byte)] = packed }
        }
        // Lower-case letters encode as their capitals.
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") where ascii[Int(byte)] == nil {
            ascii[Int(byte)] = ascii[Int(byte - 32)]
        }
        self.asciiCodes = ascii

        var decode = [PackedCode?](repeating: nil, count: CodeIndex.tableSize)
        for (code, symbol) in symbolByCode {
            if let index = CodeIndex(code), let packed = PackedCode(symbol) { decode[index.value] = packed }
        }
        self.decodeTable = decode
    }

    /// The code of a symbol (`"A"` → `".-"`), or nil when this alphabet has no such row.
    func code(for symbol: String) -> String? { codeBySymbol[symbol] }

    /// The symbol a code decodes to under this alphabet's policy, or nil.
    func symbol(for code: String) -> String? { symbolByCode[code] }

    /// A symbol is one character, or a prosign: `<` then 1–8 capital letters or figures then `>`.
    static func isValidSymbol(_ symbol: String) -> Bool {
        if symbol.count == 1 { return symbol != " " && symbol != "\n" }
        return ProsignScanner.length(of: Array(symbol.utf8)[...]) == symbol.utf8.count
    }
}

/// Why a set of rows is not a usable alphabet.
public enum AlphabetError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSymbol(String)
    case invalidCode(symbol: String, code: String)
    case conflictingSymbol(String)
    case ambiguousCode(code: String, symbols: [String])

    public var description: String {
        switch self {
        case .invalidSymbol(let symbol): "invalid symbol \(symbol.debugDescription): one character or <PROSIGN>"
        case .invalidCode(let symbol, let code): "invalid code \(code.debugDescription) for \(symbol): use . and -"
        case .conflictingSymbol(let symbol): "symbol \(symbol) has two different codes"
        case .ambiguousCode(let code, let symbols):
            "code \(code) decodes by default to more than one symbol: \(symbols.joined(separator: ", "))"
        }
    }
}
