import Foundation
import Logging
import MorseStore
import SQLiteNIO

/// The two databases every store test runs on.
enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }
}

let quietLogger: Logger = {
    var logger = Logger(label: "morse-worker-tests")
    logger.logLevel = .warning
    return logger
}()

/// A database for one test, and a way to open stores on it and to change it behind the stores' backs.
struct TestDatabase: Sendable {
    enum Location: Sendable {
        case sqlite(path: String)
        case postgres(PostgresCluster)
    }

    let location: Location

    /// Runs `body` with a fresh database of `backend`; removes it afterwards.
    static func with<Value>(_ backend: Backend, _ body: (TestDatabase) async throws -> Value) async throws -> Value {
        switch backend {
        case .sqlite:
            let directory = try temporaryDirectory("morse-sqlite")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            return try await body(TestDatabase(location: .sqlite(path: directory + "/morse.db")))
        case .postgres:
            return try await PostgresCluster.with { cluster in
                try await body(TestDatabase(location: .postgres(cluster)))
            }
        }
    }

    /// A new store on this database (each with its own connections, as another worker would have).
    // Generous: migrations run concurrently from two stores in some tests, and under ASan on two shared cores a
    // second per lock was seen to be too little.
    func openStore(timeout: Duration = .seconds(5), busyTimeout: Duration = .seconds(4)) async throws -> any MorseStore
    {
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore.open(
                path: path, busyTimeout: busyTimeout, timeout: timeout, logger: quietLogger)
        case .postgres(let cluster):
            return PostgresStore(address: cluster.address, timeout: timeout, logger: quietLogger)
        }
    }

    /// Runs SQL directly, as an operator would.
    func execute(_ sql: String) async throws {
        switch location {
        case .sqlite(let path):
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await connection.query("PRAGMA busy_timeout = 5000")
            _ = try await connection.query(sql)
            try await connection.close()
        case .postgres(let cluster):
            try await cluster.execute(sql)
        }
    }

    func count(_ sql: String) async throws -> Int {
        switch location {
        case .sqlite(let path):
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            let rows = try await connection.query(sql)
            try await connection.close()
            return rows.first?.columns.first?.data.integer ?? 0
        case .postgres(let cluster):
            return try await cluster.count(sql)
        }
    }
}

/// Runs `body` with a store whose pool runs meanwhile (PostgreSQL needs its `run()` going).
func withRunningStore<Value>(
    _ store: any MorseStore, _ body: @Sendable (any MorseStore) async throws -> Value
) async throws -> Value where Value: Sendable {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask {
            await store.run()
            return nil
        }
        defer { group.cancelAll() }
        // Closed whatever happens: SQLite connections must be closed before they are released.
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }
}
