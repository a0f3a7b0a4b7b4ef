/// The shape of a setting's value: how its text is read (the same for the file and the flags) and written back
/// (for defaults in `--help` and the docs, and for reload messages).
struct SettingValue<Value>: Sendable {
    /// What the value looks like, for `--help`.
    let placeholder: String
    let parse: @Sendable (String) throws(ConfigError) -> Value
    /// Nil for "unset".
    let format: @Sendable (Value) -> String?
    var allowsEmpty = false
    /// A list's: adds a directive's value to those before it. Nil for any other value, which a directive replaces.
    var accumulate: (@Sendable (_ before: Value, _ added: Value) -> Value)?

    /// Repeatable (`backend`).
    var isList: Bool { accumulate != nil }

    /// The value a directive leaves, given the one before it.
    func merge(_ before: Value, _ parsed: Value) -> Value {
        accumulate.map { $0(before, parsed) } ?? parsed
    }
}

extension SettingValue {
    /// Repeatable: each directive adds one element; written back comma-separated, nil when empty.
    static func list<Element>(_ element: SettingValue<Element>) -> Self where Value == [Element] {
        Self(placeholder: element.placeholder) { text throws(ConfigError) in
            [try element.parse(text)]
        } format: { elements in
            let texts = elements.compactMap(element.format)
            return texts.isEmpty ? nil : texts.joined(separator: ", ")
        } accumulate: {
            $0 + $1
        }
    }
}

extension SettingValue where Value == Int {
    /// Whole milliseconds, written `500ms`, `2s`, `1m` or `0`.
    static var duration: Self {
        Self(placeholder: "duration", parse: ValueParsers.duration) { milliseconds in
            milliseconds == 0 ? "0" : milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
        }
    }

    /// Bytes, written `512`, `16KiB`, `1MiB`.
    static var size: Self { sizeNamed("size") }

    /// Bytes per second, written as a size.
    static var byteRate: Self { sizeNamed("bytes/s") }

    private static func sizeNamed(_ placeholder: String) -> Self {
        Self(placeholder: placeholder, parse: ValueParsers.size) { bytes in
            if bytes > 0 && bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
            if bytes > 0 && bytes % 1024 == 0 { return "\(bytes >> 10)KiB" }
            return "\(bytes)"
        }
    }

    static func integer(_ range: ClosedRange<Int>) -> Self {
        Self(placeholder: "n") { text throws(ConfigError) in
            guard let value = Int(text), range.contains(value) else {
                throw ConfigError("must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
            }
            return value
        } format: {
            "\($0)"
        }
    }
}

extension SettingValue where Value == HostPort {
    /// An IP literal and a port; `localhost` means 127.0.0.1.
    static var address: Self {
        Self(placeholder: "host:port", parse: ValueParsers.hostPort) { "\($0)" }
    }
}

extension SettingValue where Value == HostPort? {
    /// An address, or `off`.
    static var addressOrOff: Self {
        Self(placeholder: "host:port|off") { text throws(ConfigError) in
            text == "off" ? nil : try ValueParsers.hostPort(text)
        } format: {
            $0.map { "\($0)" } ?? "off"
        }
    }
}

extension SettingValue where Value == String? {
    /// Any text; empty means none.
    static var secret: Self {
        Self(placeholder: "token", parse: { $0.isEmpty ? nil : $0 }, format: { $0 }, allowsEmpty: true)
    }
}

extension SettingValue where Value == String? {
    /// An absolute path a Unix socket can be bound at (at most 107 bytes), or `off`.
    static var socketPathOrOff: Self {
        Self(placeholder: "path|off") { text throws(ConfigError) in
            if text == "off" { return nil }
            guard text.hasPrefix("/"), text.utf8.count <= 107, !text.contains(where: { $0 == " " || $0.isNewline })
            else { throw ConfigError("must be `off` or an absolute path of at most 107 bytes without spaces") }
            return text
        } format: {
            $0 ?? "off"
        }
    }
}

extension SettingValue where Value == String {
    /// An absolute URL path without spaces.
    static var urlPath: Self {
        Self(placeholder: "path") { text throws(ConfigError) in
            guard text.hasPrefix("/"), !text.contains(where: { $0 == " " || $0.isNewline }) else {
                throw ConfigError("must start with '/' and contain no spaces")
            }
            return text
        } format: {
            $0
        }
    }
}

extension SettingValue where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of the cases' names.
    static var choice: Self {
        let names = Value.allCases.map(\.rawValue)
        return Self(placeholder: names.joined(separator: "|")) { text throws(ConfigError) in
            guard let value = Value(rawValue: text) else {
                throw ConfigError("must be \(names.map { "'\($0)'" }.joined(separator: " or ")), got '\(text)'")
            }
            return value
        } format: {
            $0.rawValue
        }
    }
}

extension SettingValue where Value == ProxyConfig.AccessLogTarget {
    static var accessLog: Self {
        Self(placeholder: "stdout|off|file") { text in
            switch text {
            case "off": return .off
            case "stdout", "-": return .stdout
            default: return .file(text)
            }
        } format: {
            switch $0 {
            case .off: return "off"
            case .stdout: return "stdout"
            case .file(let path): return path
            }
        }
    }
}

extension SettingValue where Value == BackendSpec {
    /// `NAME HOST:PORT` in the file, `NAME=HOST:PORT` on the command line (either is accepted in both).
    static var backend: Self {
        Self(placeholder: "name=host:port") { text throws(ConfigError) in
            let separators: Set<Character> = ["=", " ", "\t"]
            guard let split = text.firstIndex(where: { separators.contains($0) }) else {
                throw ConfigError("expected NAME HOST:PORT, got '\(text)'")
            }
            let name = try ValueParsers.backendName(String(text[..<split]))
            let rest = text[text.index(after: split)...].trimmingSpaces()
            return BackendSpec(name: name, address: try ValueParsers.hostPort(String(rest)))
        } format: {
            "\($0.name) \($0.address)"
        }
    }
}
