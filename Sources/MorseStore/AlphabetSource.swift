import Foundation
package import MorseCode

/// Builds the ``Alphabet`` a request needs from the cache, fetching what the cache lacks in one statement.
///
/// The rule it keeps: the alphabet lives in the database, not in the worker, and no request loads a whole alphabet.
/// A request asks the database only for those of its own distinct characters (or, to decode, its distinct codes)
/// that the cache lacks, and codes with a table made of just those rows; a change to the table still reaches
/// every worker (see ``refresh()``). `QueryCountTests` holds the worker to it.
///
/// Package-wide rather than public: the worker uses it, its command does not.
package struct AlphabetSource: Sendable {
    package let store: any MorseStore
    package let cache: AlphabetCache

    package init(store: any MorseStore, cache: AlphabetCache = AlphabetCache()) {
        self.store = store
        self.cache = cache
    }

    package enum Failure: Error {
        case unknownAlphabet(String)
        /// The rows the request needs do not make an alphabet (a hand edit broke the table).
        case invalidRows(AlphabetError)
        case unavailable(StoreUnavailable)
    }

    /// The alphabet to encode `text` with: its rows for every symbol of the text the database has.
    package func alphabet(named name: String, toEncode text: String) async throws(Failure) -> Alphabet {
        let symbols = MorseEncoder.symbols(in: text)
        var lookup = try cached { () throws(AlphabetCache.Failure) in try cache.lookup(alphabet: name, symbols: symbols)
        }
        if !lookup.missing.isEmpty {
            // Text may spell a character decomposed (E + U+0301); the table stores the composed form.
            let keys = lookup.missing.map { $0.precomposedStringWithCanonicalMapping }
            let rows = try await fetch { try await store.entries(alphabet: name, symbols: keys) }
            cache.merge(
                .init(alphabet: name, generation: lookup.generation, keys: .symbols(lookup.missing), entries: rows))
            lookup.entries += rows
        }
        return try build(name, lookup.entries)
    }

    /// The alphabet to decode `morse` with: every row of every code the Morse holds, so that the table's policy
    /// for codes with two meanings applies.
    package func alphabet(named name: String, toDecode morse: String) async throws(Failure) -> Alphabet {
        let codes = MorseDecoder.codes(in: morse)
        var lookup = try cached { () throws(AlphabetCache.Failure) in try cache.lookup(alphabet: name, codes: codes) }
        if !lookup.missing.isEmpty {
            let missing = lookup.missing
            let rows = try await fetch { try await store.entries(alphabet: name, codes: missing) }
            cache.merge(.init(alphabet: name, generation: lookup.generation, keys: .codes(missing), entries: rows))
            lookup.entries += rows
        }
        return try build(name, lookup.entries)
    }

    /// Reads the version counters and drops what changed; the worker calls it every second, off the request path.
    @discardableResult
    package func refresh() async throws -> [String] {
        cache.apply(versions: try await store.alphabetVersions())
    }

    private func cached(
        _ body: () throws(AlphabetCache.Failure) -> AlphabetCache.Lookup<String>
    ) throws(Failure) -> AlphabetCache.Lookup<String> {
        do {
            return try body()
        } catch {
            switch error {
            case .unknownAlphabet(let name): throw .unknownAlphabet(name)
            case .notLoaded:
                throw .unavailable(StoreUnavailable(operation: "alphabet lookup", reason: "alphabets not loaded yet"))
            }
        }
    }

    private func fetch(_ body: () async throws -> [AlphabetEntry]) async throws(Failure) -> [AlphabetEntry] {
        do {
            return try await body()
        } catch let error as StoreUnavailable {
            throw .unavailable(error)
        } catch {
            throw .unavailable(StoreUnavailable(operation: "alphabet lookup", reason: String(describing: error)))
        }
    }

    private func build(_ name: String, _ entries: [AlphabetEntry]) throws(Failure) -> Alphabet {
        do {
            return try Alphabet(name: name, entries: entries)
        } catch {
            throw .invalidRows(error)
        }
    }
}
