/// Where the database is, from `--database`: `sqlite:PATH` or `postgres://user:pass@host:port/db`.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// Public as the payload of a public case; what it holds only the package reads.
    public struct PostgresAddress: Sendable, Equatable {
        package var host: String
        package var port: Int
        package var username: String
        package var password: String?
        package var database: String

        package init(host: String, port: Int = 5432, username: String, password: String?, database: String) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
        }
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            // Accept the URL spelling `sqlite:///abs/path` too.
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else {
                throw ParseError(description: "sqlite: needs a file path, e.g. sqlite:morse.db")
            }
            self = .sqlite(path: path)
            return
        }
        for scheme in ["postgres://", "postgresql://"] where text.hasPrefix(scheme) {
            self = .postgres(try Self.parsePostgres(String(text.dropFirst(scheme.count))))
            return
        }
        throw ParseError(description: "unknown database URL: use sqlite:PATH or postgres://user:pass@host:port/db")
    }

    /// `user:pass@host:port/db`, each part percent-decoded.
    private static func parsePostgres(_ rest: String) throws(ParseError) -> PostgresAddress {
        let usage = "postgres URL must be postgres://user[:password]@host[:port]/database"
        guard let at = rest.lastIndex(of: "@") else { throw ParseError(description: usage) }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        guard let slash = location.firstIndex(of: "/") else { throw ParseError(description: usage) }
        let hostPort = location[..<slash]
        var database = String(location[location.index(after: slash)...])
        if let query = database.firstIndex(of: "?") { database = String(database[..<query]) }
        let user: Substring
        var password: String?
        if let colon = credentials.firstIndex(of: ":") {
            user = credentials[..<colon]
            password = percentDecoded(credentials[credentials.index(after: colon)...])
        } else {
            user = credentials
        }
        var host = String(hostPort)
        var port = 5432
        if let colon = hostPort.lastIndex(of: ":") {
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                throw ParseError(description: "postgres URL has an invalid port")
            }
            host = String(hostPort[..<colon])
            port = number
        }
        guard !user.isEmpty, !host.isEmpty, !database.isEmpty else { throw ParseError(description: usage) }
        return PostgresAddress(
            host: host, port: port, username: percentDecoded(user), password: password,
            database: percentDecoded(database[...]))
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The location without its password, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let address):
            "postgres://\(address.username)@\(address.host):\(address.port)/\(address.database)"
        }
    }
}
