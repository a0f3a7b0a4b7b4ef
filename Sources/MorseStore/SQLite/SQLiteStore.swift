import Foundation
package import Logging
package import MorseCode
import SQLiteNIO

/// The embedded store: one SQLite file, shared by every worker process on the machine.
///
/// WAL mode lets readers run while a writer writes, and the busy timeout makes a second process wait for the
/// write lock instead of failing at once. Reads and writes use separate connections so that a write waiting for a
/// lock never holds up an alphabet lookup.
package final class SQLiteStore: MorseStore {
    package let kind = "sqlite"
    let reader: SQLiteConnection
    let writer: SQLiteConnection
    let timeout: Duration
    let counter = QueryCounter()

    package var queryCount: Int { counter.value }

    init(reader: SQLiteConnection, writer: SQLiteConnection, timeout: Duration) {
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
    }

    /// Opens (and creates, with its folder, if missing) the database at `path`.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long a statement waits for another process's lock before failing.
    ///   - timeout: the deadline of every operation; longer than `busyTimeout`.
    package static func open(
        path: String,
        busyTimeout: Duration = .seconds(2),
        timeout: Duration = .seconds(3),
        logger: Logger
    ) async throws -> SQLiteStore {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let milliseconds =
            busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0..<2 {
                let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                connections.append(connection)  // closed below if anything fails: SQLiteNIO requires it
                // The busy timeout first: switching to WAL itself needs the lock another process may hold.
                _ = try await connection.query("PRAGMA busy_timeout = \(milliseconds)")
                try await switchToWAL(connection, within: busyTimeout)
                _ = try await connection.query("PRAGMA foreign_keys = ON")
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        return SQLiteStore(reader: connections[0], writer: connections[1], timeout: timeout)
    }

    /// `PRAGMA journal_mode = WAL`, again until `limit` has passed while SQLite answers busy: the switch needs a
    /// lock another process opening the same new file may hold, and SQLite then fails at once instead of waiting
    /// `busy_timeout` (seen: of two workers started together on one file, the second failed to start).
    private static func switchToWAL(_ connection: SQLiteConnection, within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                _ = try await connection.query("PRAGMA journal_mode = WAL")
                return
            } catch let error as SQLiteError {
                guard case .busy = error.reason, ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    package func run() async {
        // Nothing runs in the background: wait for the end of the service.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    package func close() async {
        try? await reader.close()
        try? await writer.close()
    }

    // MARK: - Statements

    func query(
        _ operation: String,
        on connection: SQLiteConnection,
        _ sql: String,
        _ binds: [SQLiteData] = []
    ) async throws -> [SQLiteRow] {
        counter.increment()
        return try await withStoreDeadline(operation, timeout: timeout) {
            // Rows arrive on SQLiteNIO's thread pool. Collected under a lock rather than with SQLiteNIO's
            // `query(_:_:) -> [SQLiteRow]`, whose unsynchronised array ThreadSanitizer reports as a race.
            let rows = RowCollector()
            try await connection.query(sql, binds) { rows.append($0) }
            return rows.collected
        }
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
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        let rows = try await query(
            "alphabet lookup", on: reader,
            """
            SELECT \(entryColumns) FROM alphabet_entries
            WHERE alphabet = ? AND \(column) IN (\(placeholders)) ORDER BY position, symbol
            """,
            [.text(alphabet)] + values.map { .text($0) })
        return rows.compactMap(Self.entry)
    }

    static func entry(_ row: SQLiteRow) -> AlphabetEntry? {
        guard let symbol = row.column("symbol")?.string, let code = row.column("code")?.string else { return nil }
        return AlphabetEntry(
            symbol: symbol, code: code, storedCategory: row.column("category")?.string ?? "",
            isExtension: row.column("is_extension")?.bool ?? false,
            decodesByDefault: row.column("decodes_by_default")?.bool ?? true)
    }

    package func alphabetVersions() async throws -> [String: Int64] {
        let rows = try await query("alphabet versions", on: reader, "SELECT name, version FROM alphabets")
        var versions: [String: Int64] = [:]
        for row in rows {
            if let name = row.column("name")?.string { versions[name] = Int64(row.column("version")?.integer ?? 0) }
        }
        return versions
    }

    package func alphabets() async throws -> [AlphabetSummary] {
        let rows = try await query(
            "alphabet list", on: reader,
            """
            SELECT a.name AS name, a.description AS description, a.version AS version, COUNT(e.symbol) AS entries
            FROM alphabets a LEFT JOIN alphabet_entries e ON e.alphabet = a.name
            GROUP BY a.name, a.description, a.version ORDER BY a.name
            """)
        return rows.compactMap { row in
            guard let name = row.column("name")?.string else { return nil }
            return AlphabetSummary(
                name: name, description: row.column("description")?.string ?? "",
                entries: Int(row.column("entries")?.integer ?? 0), version: Int64(row.column("version")?.integer ?? 0))
        }
    }

    package func insert(_ message: StoredMessage, idempotencyKey: String?) async throws -> StoredMessage {
        // The no-op update on a key conflict makes RETURNING give the first write's row, in one statement.
        let rows = try await query(
            "message write", on: writer,
            """
            INSERT INTO messages (id, text, morse, alphabet, created_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
            RETURNING id, text, morse, alphabet, created_at
            """,
            [
                .text(message.id), .text(message.text), .text(message.morse), .text(message.alphabet),
                .integer(Int(message.createdAt)), idempotencyKey.map { .text($0) } ?? .null,
            ])
        guard let row = rows.first, let stored = Self.message(from: row) else {
            throw StoreUnavailable(operation: "message write", reason: "the database returned no row")
        }
        return stored
    }

    package func message(id: String) async throws -> StoredMessage? {
        let rows = try await query(
            "message read", on: reader,
            "SELECT id, text, morse, alphabet, created_at FROM messages WHERE id = ?", [.text(id)])
        return rows.first.flatMap(Self.message(from:))
    }

    static func message(from row: SQLiteRow) -> StoredMessage? {
        guard let id = row.column("id")?.string, let text = row.column("text")?.string,
            let morse = row.column("morse")?.string
        else { return nil }
        return StoredMessage(
            id: id, text: text, morse: morse, alphabet: row.column("alphabet")?.string ?? "itu",
            createdAt: Int64(row.column("created_at")?.integer ?? 0))
    }
}

/// Rows handed over from the thread that steps the statement to the task that awaits it.
private final class RowCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [SQLiteRow] = []

    func append(_ row: SQLiteRow) {
        lock.lock()
        rows.append(row)
        lock.unlock()
    }

    var collected: [SQLiteRow] {
        lock.lock()
        defer { lock.unlock() }
        return rows
    }
}
