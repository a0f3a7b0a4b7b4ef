import Glibc

/// The config file: one `key value` per line, `#` comments, blank lines ignored. Chosen over YAML or JSON
/// because an Ansible template renders it with one loop and no quoting rules, and it needs no parser dependency.
public enum ConfigFile {
    /// The configuration from the file at `path` (none: defaults only), then `overrides`, validated.
    public static func load(path: String?, overrides: [ConfigDirective]) throws -> ProxyConfig {
        var directives: [ConfigDirective] = []
        if let path {
            guard let text = read(path) else { throw ConfigError("cannot read config file", source: path) }
            directives = try parse(text, source: path)
        }
        return try build(file: directives, overrides: overrides, source: path)
    }

    static func parse(_ text: String, source: String? = nil) throws(ConfigError) -> [ConfigDirective] {
        var directives: [ConfigDirective] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = rawLine.trimmingSpaces()
            if let hash = line.firstIndex(of: "#"), hash == line.startIndex || line[line.index(before: hash)] == " " {
                line = line[..<hash].trimmingSpaces()
            }
            if line.isEmpty { continue }
            let key: Substring
            let value: Substring
            if let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                key = line[..<space]
                value = line[space...].trimmingSpaces()
            } else {
                key = line
                value = ""
            }
            guard let setting = ProxySetting.named(String(key)) else {
                throw ConfigError("unknown setting '\(key)'", source: source, line: number)
            }
            if value.isEmpty, !setting.allowsEmptyValue {
                throw ConfigError("'\(key)' needs a value", source: source, line: number)
            }
            directives.append(ConfigDirective(key: String(key), value: String(value), line: number))
        }
        return directives
    }

    /// File directives, then overrides. A list given as overrides (`--backend`) replaces the file's rather than
    /// adding to it.
    static func build(
        file: [ConfigDirective], overrides: [ConfigDirective], source: String? = nil
    ) throws(ConfigError) -> ProxyConfig {
        var config = ProxyConfig()
        let replacedLists = Set(overrides.map(\.key).filter { ProxySetting.named($0)?.isList == true })
        for directive in file where !replacedLists.contains(directive.key) {
            do { try config.apply(directive) } catch {
                var located = error
                located.source = source
                throw located
            }
        }
        for directive in overrides {
            do { try config.apply(directive) } catch {
                var located = error
                located.line = nil
                located.source = "command line"
                throw located
            }
        }
        try config.validate()
        return config
    }

    private static func read(_ path: String) -> String? {
        guard let handle = fopen(path, "r") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
