/// One versioned step of the schema. Versions only grow; a step, once released, never changes: a new need is a
/// new step. Each store runs the missing steps in one transaction and records them in `schema_migrations`.
struct Migration: Sendable {
    var version: Int
    var name: String
    var statements: @Sendable (SQLDialect) -> [SQLStatement]

    /// Every step this binary knows, in order.
    static let all: [Migration] = [.alphabetTables, .ituSeed, .messages, .messageIdempotencyKeys]

    /// The bookkeeping table; created before the steps, idempotently.
    static func ledger(_ dialect: SQLDialect) -> SQLStatement {
        let integer = dialect == .postgres ? "BIGINT" : "INTEGER"
        return SQLStatement(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at \(integer) NOT NULL
            )
            """)
    }
}
