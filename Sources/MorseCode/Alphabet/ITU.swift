extension Alphabet {
    /// The alphabet of ITU-R M.1677-1 (10/2009), with the common prosigns and the usual non-ITU signs marked as
    /// extensions.
    ///
    /// Codes with two meanings decode to the ITU meaning; the other spelling is an alias that still encodes:
    ///
    /// | code | decodes to | also written |
    /// |---|---|---|
    /// | `.-...` | `<AS>` (ITU wait) | `&` (extension) |
    /// | `.-.-.` | `+` (ITU) | `<AR>` |
    /// | `-...-` | `=` (ITU) | `<BT>` |
    /// | `-.--.` | `(` (ITU) | `<KN>` |
    /// | `-.-` | `K` | `<K>` (ITU invitation to transmit) |
    /// | `...-.` | `<SN>` | `<VE>` |
    /// | `...-.-` | `<SK>` | `<VA>` |
    /// | `-.-.-` | `<CT>` | `<KA>` |
    public static let itu: Alphabet = try! Alphabet(name: "itu", entries: ituEntries)

    /// The rows of ``itu`` in a stable order: the worker seeds its database from them.
    public static let ituEntries: [AlphabetEntry] = {
        var rows: [AlphabetEntry] = []
        let letters: [(String, String)] = [
            ("A", ".-"), ("B", "-..."), ("C", "-.-."), ("D", "-.."), ("E", "."), ("F", "..-."), ("G", "--."),
            ("H", "...."), ("I", ".."), ("J", ".---"), ("K", "-.-"), ("L", ".-.."), ("M", "--"), ("N", "-."),
            ("O", "---"), ("P", ".--."), ("Q", "--.-"), ("R", ".-."), ("S", "..."), ("T", "-"), ("U", "..-"),
            ("V", "...-"), ("W", ".--"), ("X", "-..-"), ("Y", "-.--"), ("Z", "--.."), ("É", "..-.."),
        ]
        rows += letters.map { AlphabetEntry(symbol: $0.0, code: $0.1, category: .letter) }
        let figures: [(String, String)] = [
            ("1", ".----"), ("2", "..---"), ("3", "...--"), ("4", "....-"), ("5", "....."),
            ("6", "-...."), ("7", "--..."), ("8", "---.."), ("9", "----."), ("0", "-----"),
        ]
        rows += figures.map { AlphabetEntry(symbol: $0.0, code: $0.1, category: .figure) }
        let punctuation: [(String, String)] = [
            (".", ".-.-.-"), (",", "--..--"), (":", "---..."), ("?", "..--.."), ("'", ".----."), ("-", "-....-"),
            ("/", "-..-."), ("(", "-.--."), (")", "-.--.-"), ("\"", ".-..-."), ("=", "-...-"), ("+", ".-.-."),
            ("@", ".--.-."),
        ]
        rows += punctuation.map { AlphabetEntry(symbol: $0.0, code: $0.1, category: .punctuation) }
        // ITU service signals (§1.1.4), then the prosigns operators use that ITU does not list.
        let prosigns: [(String, String, Bool)] = [
            ("<SN>", "...-.", true), ("<VE>", "...-.", false),
            ("<HH>", "........", true),
            ("<K>", "-.-", false),
            ("<AS>", ".-...", true),
            ("<SK>", "...-.-", true), ("<VA>", "...-.-", false),
            ("<CT>", "-.-.-", true), ("<KA>", "-.-.-", false),
            ("<AR>", ".-.-.", false), ("<BT>", "-...-", false), ("<KN>", "-.--.", false),
            ("<SOS>", "...---...", true),
        ]
        rows += prosigns.map {
            AlphabetEntry(symbol: $0.0, code: $0.1, category: .prosign, decodesByDefault: $0.2)
        }
        let extensions: [(String, String, Bool)] = [
            ("!", "-.-.--", true), ("&", ".-...", false), (";", "-.-.-.", true), ("_", "..--.-", true),
            ("$", "...-..-", true),
        ]
        rows += extensions.map {
            AlphabetEntry(
                symbol: $0.0, code: $0.1, category: .punctuation, isExtension: true, decodesByDefault: $0.2)
        }
        return rows
    }()
}
