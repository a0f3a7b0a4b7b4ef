package import Logging
package import MorseCode

/// Where a worker keeps its shared state: the alphabets and the messages.
///
/// Two implementations, one per database (``SQLiteStore``, ``PostgresStore``). Every method is one statement
/// unless it says otherwise, so that ``queryCount`` measures what a request costs the database.
package protocol MorseStore: Sendable {
    /// `sqlite` or `postgres`, for logs and `/healthz`.
    var kind: String { get }

    /// Statements sent to the database since the store was made; tests use it to prove the cache works.
    var queryCount: Int { get }

    /// Runs what the store needs in the background (the PostgreSQL pool) until the task is cancelled.
    func run() async

    /// Applies the migrations this binary knows and the database lacks; safe to run from several workers at once.
    func migrate(logger: Logger) async throws

    /// The rows of `alphabet` for `symbols`, in table order: one statement.
    func entries(alphabet: String, symbols: [String]) async throws -> [AlphabetEntry]

    /// Every row of `alphabet` whose code is one of `codes`, in table order: one statement.
    func entries(alphabet: String, codes: [String]) async throws -> [AlphabetEntry]

    /// Each alphabet's change counter; it moves whenever a row of that alphabet is inserted, changed or deleted.
    func alphabetVersions() async throws -> [String: Int64]

    /// The alphabets the database holds, with their row counts.
    func alphabets() async throws -> [AlphabetSummary]

    /// Stores a message in one statement: it is either wholly written or not at all. With an idempotency key, a
    /// second write with the same key stores nothing and returns the message the first one stored, so a client or
    /// a proxy may resend a write whose answer it never saw without writing it twice.
    func insert(_ message: StoredMessage, idempotencyKey: String?) async throws -> StoredMessage

    func message(id: String) async throws -> StoredMessage?

    /// Releases connections; the store is unusable afterwards.
    func close() async
}

extension MorseStore {
    /// Stores a message with no idempotency key.
    package func insert(_ message: StoredMessage) async throws {
        _ = try await insert(message, idempotencyKey: nil)
    }
}

/// One alphabet as `GET /api/v1/alphabets` lists it.
package struct AlphabetSummary: Sendable, Equatable, Codable {
    package var name: String
    package var description: String
    package var entries: Int
    package var version: Int64

    package init(name: String, description: String, entries: Int, version: Int64) {
        self.name = name
        self.description = description
        self.entries = entries
        self.version = version
    }
}

/// A message people share by link: the text, its Morse, and when it was stored.
package struct StoredMessage: Sendable, Equatable, Codable {
    package var id: String
    package var text: String
    package var morse: String
    package var alphabet: String
    /// Milliseconds since 1970.
    package var createdAt: Int64

    package init(id: String, text: String, morse: String, alphabet: String, createdAt: Int64) {
        self.id = id
        self.text = text
        self.morse = morse
        self.alphabet = alphabet
        self.createdAt = createdAt
    }
}

/// The database could not do what was asked: down, locked, out of space or too slow.
///
/// The description never holds the connection string, so it is safe to log and to show.
package struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    package var operation: String
    package var reason: String

    package init(operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    package var description: String { "database unavailable during \(operation): \(reason)" }
}
