/// Parsers for the value shapes the config file and the flags share, so both accept exactly the same text.
enum ValueParsers {
    /// `500ms`, `2s`, `1m`, or `0`. A unit is required otherwise: a bare `2` in a template is a likely mistake.
    static func duration(_ text: String) throws(ConfigError) -> Int {
        if text == "0" { return 0 }
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if let value = Int(number), value >= 0, value <= Int(Int32.max) / factor { return value * factor }
        }
        throw ConfigError("invalid duration '\(text)' (expected e.g. 500ms, 2s, 1m)")
    }

    /// Bytes with an optional binary suffix: `16384`, `16k`, `16KiB`, `1m`, `1MiB`.
    static func size(_ text: String) throws(ConfigError) -> Int {
        let lower = text.lowercased()
        let units: [(String, Int)] = [
            ("kib", 1024), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1024), ("m", 1 << 20), ("g", 1 << 30), ("", 1),
        ]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            let number = lower.dropLast(suffix.count)
            if let value = Int(number), value >= 0, value <= Int.max / factor { return value * factor }
        }
        throw ConfigError("invalid size '\(text)' (expected bytes, or e.g. 16k, 1MiB)")
    }

    static func integer(_ text: String, min: Int, max: Int, name: String) throws(ConfigError) -> Int {
        guard let value = Int(text), value >= min, value <= max else {
            throw ConfigError("\(name) must be an integer in \(min)...\(max), got '\(text)'")
        }
        return value
    }

    /// `HOST:PORT`, `[v6]:PORT`; the host must be a literal or `localhost` since the loop never blocks on DNS.
    static func hostPort(_ text: String) throws(ConfigError) -> HostPort {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigError("invalid address '\(text)' (expected [IPv6]:PORT)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ConfigError("invalid address '\(text)' (expected HOST:PORT)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { throw ConfigError("invalid port in '\(text)'") }
        if host.isEmpty { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        guard isIPLiteral(String(host)) else {
            throw ConfigError("'\(host)' is not an IP address (names are not resolved; use an address)")
        }
        return HostPort(host: String(host), port: port)
    }

    static func isIPLiteral(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return true }
        return host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }

    /// Backend names appear in metrics labels, log lines and admin URLs, so they stay URL- and label-safe.
    static func backendName(_ text: String) throws(ConfigError) -> String {
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
        guard !text.isEmpty, text.utf8.count <= 64, allowed else {
            throw ConfigError("invalid backend name '\(text)' (letters, digits, '-', '_', '.'; at most 64)")
        }
        return text
    }
}
