/// A statement both databases run, written with `?` placeholders; PostgreSQL gets them renumbered `$1…`.
struct SQLStatement: Sendable {
    enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int64)
        case bool(Bool)
    }

    var sql: String
    var binds: [Value]

    init(_ sql: String, _ binds: [Value] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// The SQL with `?` turned into `$1`, `$2`, … (no statement here has `?` inside a literal).
    var numberedSQL: String {
        var result = ""
        var number = 0
        for character in sql {
            if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// Which SQL a migration speaks.
enum SQLDialect: Sendable {
    case sqlite
    case postgres
}
