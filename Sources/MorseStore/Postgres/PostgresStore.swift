package import Logging
package import MorseCode
import PostgresNIO

/// The shared store for a cluster: PostgreSQL through postgres-nio's pooled ``PostgresClient``.
///
/// The pool runs in ``run()``, which the worker starts as a service of its service group; statements wait for a
/// connection from it, within the store's deadline.
package final class PostgresStore: MorseStore {
    package let kind = "postgres"
    let client: PostgresClient
    let timeout: Duration
    let logger: Logger
    let counter = QueryCounter()

    package var queryCount: Int { counter.value }

    package init(
        address: StoreLocation.PostgresAddress,
        maximumConnections: Int = 20,
        timeout: Duration = .seconds(3),
        logger: Logger
    ) {
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.username, password: address.password,
            database: address.database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        // A dead server must fail a request quickly, not after the 10 s default.
        configuration.options.connectTimeout = timeout
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.timeout = timeout
        self.logger = logger
    }

    package func run() async {
        await client.run()
    }

    package func close() async {
        // The pool closes when the task running ``run()`` ends.
    }

    // MARK: - Statements

    func query<Row: Sendable>(
        _ operation: String,
        _ query: PostgresQuery,
        rows: @escaping @Sendable (PostgresRowSequence) async throws -> [Row]
    ) async throws -> [Row] {
        counter.increment()
        let client = client
        let logger = logger
        return try await withStoreDeadline(operation, timeout: timeout) {
            try await rows(try await client.query(query, logger: logger))
        }
    }

    /// Rows of `messages` as selected or returned: id, text, morse, alphabet, created_at.
    static func messages(_ sequence: PostgresRowSequence) async throws -> [StoredMessage] {
        var messages: [StoredMessage] = []
        for try await (id, text, morse, alphabet, createdAt) in sequence.decode(
            (String, String, String, String, Int64).self)
        {
            messages.append(StoredMessage(id: id, text: text, morse: morse, alphabet: alphabet, createdAt: createdAt))
        }
        return messages
    }

    static func entries(_ sequence: PostgresRowSequence) async throws -> [AlphabetEntry] {
        var entries: [AlphabetEntry] = []
        for try await (symbol, code, category, isExtension, decodesByDefault) in sequence.decode(
            (String, String, String, Bool, Bool).self)
        {
            entries.append(
                AlphabetEntry(
                    symbol: symbol, code: code, storedCategory: category, isExtension: isExtension,
                    decodesByDefault: decodesByDefault))
        }
        return entries
    }

    package func entries(alphabet: String, symbols: [String]) async throws -> [AlphabetEntry] {
        try await entries(alphabet: alphabet, where: "symbol", in: symbols)
    }

    package func entries(alphabet: String, codes: [String]) async throws -> [AlphabetEntry] {
        try await entries(alphabet: alphabet, where: "code", in: codes)
    }

    /// The rows of `alphabet` whose `column` (a fixed column name, never input) is one of `values`.
    private func entries(alphabet: String, where column: String, in values: [String]) async throws -> [AlphabetEntry] {
        guard !values.isEmpty else { return [] }
        return try await query(
            "alphabet lookup",
            """
            SELECT \(unescaped: entryColumns) FROM alphabet_entries
            WHERE alphabet = \(alphabet) AND \(unescaped: column) = ANY(\(values)) ORDER BY position, symbol
            """,
            rows: Self.entries)
    }

    package func alphabetVersions() async throws -> [String: Int64] {
        let pairs = try await query("alphabet versions", "SELECT name, version FROM alphabets") { sequence in
            var pairs: [(String, Int64)] = []
            for try await pair in sequence.decode((String, Int64).self) { pairs.append(pair) }
            return pairs
        }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    package func alphabets() async throws -> [AlphabetSummary] {
        try await query(
            "alphabet list",
            """
            SELECT a.name, a.description, a.version, COUNT(e.symbol)
            FROM alphabets a LEFT JOIN alphabet_entries e ON e.alphabet = a.name
            GROUP BY a.name, a.description, a.version ORDER BY a.name
            """
        ) { sequence in
            var summaries: [AlphabetSummary] = []
            for try await (name, description, version, count) in sequence.decode((String, String, Int64, Int64).self) {
                summaries.append(
                    AlphabetSummary(name: name, description: description, entries: Int(count), version: version))
            }
            return summaries
        }
    }

    package func insert(_ message: StoredMessage, idempotencyKey: String?) async throws -> StoredMessage {
        // The no-op update on a key conflict makes RETURNING give the first write's row, in one statement.
        let rows = try await query(
            "message write",
            """
            INSERT INTO messages (id, text, morse, alphabet, created_at, idempotency_key)
            VALUES (\(message.id), \(message.text), \(message.morse), \(message.alphabet), \(message.createdAt), \
            \(idempotencyKey))
            ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
            RETURNING id, text, morse, alphabet, created_at
            """
        ) { try await Self.messages($0) }
        guard let stored = rows.first else {
            throw StoreUnavailable(operation: "message write", reason: "the database returned no row")
        }
        return stored
    }

    package func message(id: String) async throws -> StoredMessage? {
        try await query(
            "message read", "SELECT id, text, morse, alphabet, created_at FROM messages WHERE id = \(id)"
        ) { try await Self.messages($0) }.first
    }
}
