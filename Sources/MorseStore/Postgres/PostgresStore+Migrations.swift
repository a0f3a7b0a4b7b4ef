package import Logging
import PostgresNIO

extension PostgresStore {
    /// Runs the missing migrations in one transaction, under an advisory lock so that workers starting together
    /// apply each step once: the second waits, then finds the steps in the ledger.
    package func migrate(logger: Logger) async throws {
        counter.increment()
        let client = client
        try await withStoreDeadline("migration", timeout: .seconds(30)) {
            try await client.withTransaction(logger: logger) { connection in
                // Any constant identifies "the Morse schema" among advisory locks: "MORS" in ASCII.
                try await connection.query("SELECT pg_advisory_xact_lock(1297043027)", logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: Migration.ledger(.postgres).sql), logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query(
                    "SELECT version FROM schema_migrations", logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                for migration in Migration.all where !applied.contains(migration.version) {
                    logger.info(
                        "applying migration",
                        metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                    for statement in migration.statements(.postgres) {
                        try await connection.query(try Self.query(statement), logger: logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(migration.version), \(migration.name), extract(epoch FROM now())::bigint)
                        """,
                        logger: logger)
                }
            }
        }
    }

    static func query(_ statement: SQLStatement) throws -> PostgresQuery {
        var binds = PostgresBindings()
        for value in statement.binds {
            switch value {
            case .text(let text): try binds.append(text)
            case .integer(let number): try binds.append(number)
            case .bool(let flag): try binds.append(flag)
            }
        }
        return PostgresQuery(unsafeSQL: statement.numberedSQL, binds: binds)
    }
}
