extension Migration {
    /// The alphabet tables, and the triggers that move an alphabet's `version` on every change of its rows:
    /// workers poll that counter to drop stale cache entries, so an operator's plain `INSERT` reaches them.
    static let alphabetTables = Migration(version: 1, name: "alphabet tables") { dialect in
        let boolean = dialect == .postgres ? "BOOLEAN" : "INTEGER"
        let falseValue = dialect == .postgres ? "FALSE" : "0"
        let trueValue = dialect == .postgres ? "TRUE" : "1"
        var statements = [
            SQLStatement(
                """
                CREATE TABLE alphabets (
                    name TEXT PRIMARY KEY,
                    description TEXT NOT NULL DEFAULT '',
                    version BIGINT NOT NULL DEFAULT 0
                )
                """),
            SQLStatement(
                """
                CREATE TABLE alphabet_entries (
                    alphabet TEXT NOT NULL REFERENCES alphabets (name) ON DELETE CASCADE,
                    symbol TEXT NOT NULL,
                    code TEXT NOT NULL,
                    category TEXT NOT NULL,
                    is_extension \(boolean) NOT NULL DEFAULT \(falseValue),
                    decodes_by_default \(boolean) NOT NULL DEFAULT \(trueValue),
                    position INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (alphabet, symbol)
                )
                """),
            // Decoding looks rows up by code.
            SQLStatement("CREATE INDEX alphabet_entries_by_code ON alphabet_entries (alphabet, code)"),
        ]
        switch dialect {
        case .postgres:
            statements += [
                SQLStatement(
                    """
                    CREATE FUNCTION morse_bump_alphabet_version() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF TG_OP <> 'INSERT' THEN
                            UPDATE alphabets SET version = version + 1 WHERE name = OLD.alphabet;
                        END IF;
                        IF TG_OP <> 'DELETE' THEN
                            UPDATE alphabets SET version = version + 1 WHERE name = NEW.alphabet;
                        END IF;
                        RETURN NULL;
                    END
                    $$
                    """),
                SQLStatement(
                    """
                    CREATE TRIGGER alphabet_entries_version AFTER INSERT OR UPDATE OR DELETE ON alphabet_entries
                    FOR EACH ROW EXECUTE FUNCTION morse_bump_alphabet_version()
                    """),
            ]
        case .sqlite:
            statements += [
                SQLStatement(
                    """
                    CREATE TRIGGER alphabet_entries_inserted AFTER INSERT ON alphabet_entries BEGIN
                        UPDATE alphabets SET version = version + 1 WHERE name = NEW.alphabet;
                    END
                    """),
                SQLStatement(
                    """
                    CREATE TRIGGER alphabet_entries_updated AFTER UPDATE ON alphabet_entries BEGIN
                        UPDATE alphabets SET version = version + 1 WHERE name IN (OLD.alphabet, NEW.alphabet);
                    END
                    """),
                SQLStatement(
                    """
                    CREATE TRIGGER alphabet_entries_deleted AFTER DELETE ON alphabet_entries BEGIN
                        UPDATE alphabets SET version = version + 1 WHERE name = OLD.alphabet;
                    END
                    """),
            ]
        }
        return statements
    }
}
