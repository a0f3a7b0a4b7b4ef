import MorseCode
import MorseStore

/// Encoding and decoding against the database's alphabet: the one place the API routes and the page share.
struct Translator: Sendable {
    let source: AlphabetSource
    let retryAfter: Duration

    struct Encoded {
        var morse: String
        var problems: [MorseError]
    }

    struct Decoded {
        var text: String
        var problems: [MorseError]
    }

    func encode(_ text: String, alphabet name: String, lenient: Bool) async throws(APIError) -> Encoded {
        // Fast path: every character already cached (see ``AlphabetCache/encoder(alphabet:)``).
        if let encoder = source.cache.encoder(alphabet: name), let morse = try? encoder.encode(text) {
            return Encoded(morse: morse, problems: [])
        }
        let alphabet = try await alphabet { () async throws(AlphabetSource.Failure) in
            try await source.alphabet(named: name, toEncode: text)
        }
        let encoder = MorseEncoder(alphabet: alphabet)
        if lenient {
            let (morse, problems) = encoder.encodeLenient(text)
            return Encoded(morse: morse, problems: problems)
        }
        do {
            return Encoded(morse: try encoder.encode(text), problems: [])
        } catch {
            throw .coding(error)
        }
    }

    func decode(_ morse: String, alphabet name: String, lenient: Bool) async throws(APIError) -> Decoded {
        if let decoder = source.cache.decoder(alphabet: name), let text = try? decoder.decode(morse) {
            return Decoded(text: text, problems: [])
        }
        let alphabet = try await alphabet { () async throws(AlphabetSource.Failure) in
            try await source.alphabet(named: name, toDecode: morse)
        }
        let decoder = MorseDecoder(alphabet: alphabet)
        if lenient {
            let (text, problems) = decoder.decodeLenient(morse)
            return Decoded(text: text, problems: problems)
        }
        do {
            return Decoded(text: try decoder.decode(morse), problems: [])
        } catch {
            throw .coding(error)
        }
    }

    /// The database's rows for every code of `morse`: the alphabet to read Morse heard in a recording with.
    func decodingAlphabet(for morse: String, alphabet name: String) async throws(APIError) -> Alphabet {
        try await alphabet { () async throws(AlphabetSource.Failure) in
            try await source.alphabet(named: name, toDecode: morse)
        }
    }

    private func alphabet(
        _ body: () async throws(AlphabetSource.Failure) -> Alphabet
    ) async throws(APIError) -> Alphabet {
        do {
            return try await body()
        } catch {
            throw .alphabet(error, retryAfter: retryAfter)
        }
    }
}
