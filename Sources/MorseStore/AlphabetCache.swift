package import MorseCode
import NIOConcurrencyHelpers

/// The rows of each alphabet that requests have needed so far, kept in process.
///
/// Both hits and misses are kept: a symbol the database lacks is remembered as absent, so a request for text
/// the alphabet cannot send costs no query the second time either. The cache never asks the database itself; the
/// caller fetches what ``lookup(alphabet:symbols:)`` reports missing and hands it to ``merge(_:)``.
///
/// Invalidation: every alphabet has a version counter in the database, moved by triggers on any change of its
/// rows. A background task reads the counters every second and calls ``apply(versions:)``; an alphabet whose
/// counter moved is dropped whole. A change so reaches every worker in about a second (the bound asked is 5 s),
/// and a request that finds everything cached runs no query at all. A fetch that raced with a drop is not merged
/// (the generation check), so stale rows cannot come back.
package final class AlphabetCache: Sendable {
    /// Bounds what one alphabet may remember as absent, so text in a foreign script cannot grow the cache
    /// without limit; past it, absent symbols are fetched again (and still cost one query per request).
    package let maximumAbsent: Int

    struct Table {
        var version: Int64
        var generation: UInt64
        /// symbol → row, or nil when the database has no such row.
        var symbols: [String: AlphabetEntry?] = [:]
        /// code → every row with that code, in table order (empty when none).
        var codes: [String: [AlphabetEntry]] = [:]
        var absent = 0
        /// Bumped whenever rows are added, so that a union built from older rows is not kept.
        var revision: UInt64 = 0
        /// Every cached row, built into one coder, for encoding (rows fetched by symbol or code) and for
        /// decoding (rows fetched by code only: a code's rows are then complete, so its policy holds).
        var encoder: MorseEncoder?
        var decoder: MorseDecoder?
    }

    struct State {
        var tables: [String: Table] = [:]
        var nextGeneration: UInt64 = 1
        /// False until the first version read: until then, alphabet names are not known.
        var loaded = false
    }

    private let state = NIOLockedValueBox(State())

    package init(maximumAbsent: Int = 4096) {
        self.maximumAbsent = maximumAbsent
    }

    /// The hot path: a coder for every row cached so far, for a request to try before working out which rows it
    /// needs. Coding a symbol depends on its own row only (and decoding a code on that code's rows, all cached
    /// together), so when the attempt succeeds the result is exactly what the rows the request needs would give,
    /// with no query and no per-request build (an encoder's byte table costs more than encoding 40 characters).
    /// When it fails, the caller takes the exact path. Built at most once per change of the cached rows; nil when
    /// the alphabet is unknown or not loaded.
    package func encoder(alphabet name: String) -> MorseEncoder? {
        coder(alphabet: name, \.encoder) {
            // Sorted for a stable result.
            $0.symbols.values.compactMap { $0 }.sorted { $0.symbol < $1.symbol }
        } build: {
            MorseEncoder(alphabet: $0)
        }
    }

    /// The decoding twin of ``encoder(alphabet:)``; only rows fetched by code count, a code's own rows keep the
    /// table's order, which the decoding policy reads.
    package func decoder(alphabet name: String) -> MorseDecoder? {
        coder(alphabet: name, \.decoder) {
            $0.codes.sorted { $0.key < $1.key }.flatMap(\.value)
        } build: {
            MorseDecoder(alphabet: $0)
        }
    }

    private func coder<Coder: Sendable>(
        alphabet name: String,
        _ slot: WritableKeyPath<Table, Coder?>,
        rows: (Table) -> [AlphabetEntry],
        build: (Alphabet) -> Coder
    ) -> Coder? {
        let snapshot = state.withLockedValue { state -> (Coder?, [AlphabetEntry], UInt64, UInt64)? in
            guard let table = state.tables[name] else { return nil }
            if let built = table[keyPath: slot] { return (built, [], table.generation, table.revision) }
            return (nil, rows(table), table.generation, table.revision)
        }
        guard let (built, rows, generation, revision) = snapshot else { return nil }
        if let built { return built }
        guard let alphabet = try? Alphabet(name: name, entries: rows) else { return nil }
        let coder = build(alphabet)
        state.withLockedValue { state in
            guard var table = state.tables[name], table.generation == generation, table.revision == revision
            else { return }
            table[keyPath: slot] = coder
            state.tables[name] = table
        }
        return coder
    }

    /// What the cache holds for a request, and what it lacks.
    package struct Lookup<Key: Hashable & Sendable>: Sendable {
        /// The rows found, in no particular order.
        package var entries: [AlphabetEntry]
        /// Keys to fetch: neither present nor known absent.
        package var missing: [Key]
        /// Which state of the alphabet the lookup saw; hand it back with the fetched rows.
        package var generation: UInt64
    }

    package enum Failure: Error, Equatable {
        /// The database has no alphabet of that name (as of the last version read).
        case unknownAlphabet(String)
        /// The versions were never read: the database has not answered since the start.
        case notLoaded
    }

    package var isLoaded: Bool { state.withLockedValue { $0.loaded } }

    package var alphabetNames: [String] { state.withLockedValue { $0.tables.keys.sorted() } }

    /// Rows for `symbols` (as ``MorseEncoder/symbols(in:)`` gives them).
    package func lookup(alphabet: String, symbols: Set<String>) throws(Failure) -> Lookup<String> {
        try state.withLockedValue { state -> Result<Lookup<String>, Failure> in
            guard case .success(let table) = Self.table(alphabet, in: state) else {
                return .failure(Self.failure(alphabet, in: state))
            }
            var entries: [AlphabetEntry] = []
            entries.reserveCapacity(symbols.count)
            var missing: [String] = []
            for symbol in symbols {
                switch table.symbols[symbol] {
                case .some(.some(let entry)): entries.append(entry)
                case .some(.none): break
                case .none: missing.append(symbol)
                }
            }
            return .success(Lookup(entries: entries, missing: missing, generation: table.generation))
        }.get()
    }

    /// Every row of each code in `codes` (as ``MorseDecoder/codes(in:)`` gives them).
    package func lookup(alphabet: String, codes: Set<String>) throws(Failure) -> Lookup<String> {
        try state.withLockedValue { state -> Result<Lookup<String>, Failure> in
            guard case .success(let table) = Self.table(alphabet, in: state) else {
                return .failure(Self.failure(alphabet, in: state))
            }
            var entries: [AlphabetEntry] = []
            var missing: [String] = []
            for code in codes {
                if let rows = table.codes[code] { entries += rows } else { missing.append(code) }
            }
            return .success(Lookup(entries: entries, missing: missing, generation: table.generation))
        }.get()
    }

    private static func table(_ name: String, in state: State) -> Result<Table, Failure> {
        guard state.loaded else { return .failure(.notLoaded) }
        guard let table = state.tables[name] else { return .failure(.unknownAlphabet(name)) }
        return .success(table)
    }

    private static func failure(_ name: String, in state: State) -> Failure {
        state.loaded ? .unknownAlphabet(name) : .notLoaded
    }

    /// A fetch's answer, to remember.
    package struct Fetched: Sendable {
        package enum Keys: Sendable {
            case symbols([String])
            case codes([String])
        }
        package var alphabet: String
        package var generation: UInt64
        /// What was asked: keys without a row in `entries` are remembered as absent.
        package var keys: Keys
        package var entries: [AlphabetEntry]

        package init(alphabet: String, generation: UInt64, keys: Keys, entries: [AlphabetEntry]) {
            self.alphabet = alphabet
            self.generation = generation
            self.keys = keys
            self.entries = entries
        }
    }

    package func merge(_ fetched: Fetched) {
        state.withLockedValue { state in
            // Dropped (or replaced) since the lookup: these rows may be stale, the next request fetches again.
            guard var table = state.tables[fetched.alphabet], table.generation == fetched.generation else { return }
            for entry in fetched.entries { table.symbols[entry.symbol] = .some(entry) }
            if !fetched.entries.isEmpty {
                table.revision += 1
                table.encoder = nil
                table.decoder = nil
            }
            switch fetched.keys {
            case .symbols(let symbols):
                for symbol in symbols where table.symbols[symbol] == nil && table.absent < maximumAbsent {
                    table.symbols[symbol] = .some(nil)
                    table.absent += 1
                }
            case .codes(let codes):
                var byCode: [String: [AlphabetEntry]] = [:]
                for entry in fetched.entries { byCode[entry.code, default: []].append(entry) }
                for code in codes {
                    let rows = byCode[code] ?? []
                    if rows.isEmpty {
                        guard table.absent < maximumAbsent else { continue }
                        table.absent += 1
                    }
                    table.codes[code] = rows
                }
            }
            state.tables[fetched.alphabet] = table
        }
    }

    /// Takes the counters read from the database: alphabets whose counter moved are dropped, new ones added,
    /// vanished ones removed. Returns the names of the alphabets dropped or removed.
    @discardableResult
    package func apply(versions: [String: Int64]) -> [String] {
        state.withLockedValue { state in
            var changed: [String] = []
            for (name, version) in versions where state.tables[name]?.version != version {
                if state.tables[name] != nil { changed.append(name) }
                state.tables[name] = Table(version: version, generation: state.nextGeneration)
                state.nextGeneration += 1
            }
            for name in state.tables.keys where versions[name] == nil {
                state.tables[name] = nil
                changed.append(name)
            }
            state.loaded = true
            return changed.sorted()
        }
    }
}
