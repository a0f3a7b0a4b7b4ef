import MorseCode

extension Migration {
    /// The ITU table and its extensions, from the core's rows, so the database and the core cannot disagree.
    static let ituSeed = Migration(version: 2, name: "seed itu alphabet") { _ in
        var statements = [
            SQLStatement(
                "INSERT INTO alphabets (name, description) VALUES (?, ?)",
                [
                    .text("itu"),
                    .text("ITU-R M.1677-1 (10/2009), common prosigns, and non-ITU signs marked as extensions"),
                ]
            )
        ]
        for (position, entry) in Alphabet.ituEntries.enumerated() {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO alphabet_entries
                        (alphabet, symbol, code, category, is_extension, decodes_by_default, position)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text("itu"), .text(entry.symbol), .text(entry.code), .text(entry.category.rawValue),
                        .bool(entry.isExtension), .bool(entry.decodesByDefault), .integer(Int64(position)),
                    ]
                ))
        }
        return statements
    }

    static let messages = Migration(version: 3, name: "messages") { dialect in
        [
            SQLStatement(
                """
                CREATE TABLE messages (
                    id TEXT PRIMARY KEY,
                    text TEXT NOT NULL,
                    morse TEXT NOT NULL,
                    alphabet TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """)
        ]
    }

    /// A write may carry a key (the `Idempotency-Key` header) that makes resending it harmless: the unique index
    /// lets the insert find the first write's row instead of adding a second. NULL keys never conflict.
    static let messageIdempotencyKeys = Migration(version: 4, name: "message idempotency keys") { _ in
        [
            SQLStatement("ALTER TABLE messages ADD COLUMN idempotency_key TEXT"),
            SQLStatement("CREATE UNIQUE INDEX messages_idempotency_key ON messages (idempotency_key)"),
        ]
    }
}
