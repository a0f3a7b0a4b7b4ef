package import Logging
import SQLiteNIO

extension SQLiteStore {
    /// Runs the missing migrations in one `BEGIN IMMEDIATE` transaction: it takes the write lock first, so two
    /// workers starting together apply each step once, the second seeing the first one's ledger.
    package func migrate(logger: Logger) async throws {
        _ = try await query("migration", on: writer, Migration.ledger(.sqlite).sql)
        _ = try await query("migration", on: writer, "BEGIN IMMEDIATE")
        do {
            let rows = try await query("migration", on: writer, "SELECT version FROM schema_migrations")
            let applied = Set(rows.compactMap { $0.column("version")?.integer })
            for migration in Migration.all where !applied.contains(migration.version) {
                logger.info(
                    "applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in migration.statements(.sqlite) {
                    _ = try await query("migration", on: writer, statement.sql, statement.binds.map(Self.data))
                }
                _ = try await query(
                    "migration", on: writer,
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%s', 'now'))",
                    [.integer(migration.version), .text(migration.name)])
            }
            _ = try await query("migration", on: writer, "COMMIT")
        } catch {
            _ = try? await query("migration", on: writer, "ROLLBACK")
            throw error
        }
    }

    static func data(_ value: SQLStatement.Value) -> SQLiteData {
        switch value {
        case .text(let text): .text(text)
        case .integer(let number): .integer(Int(number))
        case .bool(let flag): .integer(flag ? 1 : 0)
        }
    }
}
