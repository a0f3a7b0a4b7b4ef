import SQLiteNIO

/// Another process's write transaction on a SQLite file, held until `unlock()`.
struct SQLiteConnectionHolder {
    let connection: SQLiteConnection

    static func lock(_ path: String) async throws -> SQLiteConnectionHolder {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await connection.query("BEGIN EXCLUSIVE")
        // Holding the write lock needs a write in WAL mode.
        _ = try await connection.query("INSERT INTO alphabets (name) VALUES ('lock-holder')")
        return SQLiteConnectionHolder(connection: connection)
    }

    func unlock() async throws {
        _ = try await connection.query("ROLLBACK")
        try await connection.close()
    }
}
