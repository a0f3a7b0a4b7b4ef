/// The config file: one `key value` per line, `#` comments, blank lines ignored. Chosen over YAML or JSON
/// because an Ansible template renders it with one loop and no quoting rules, and it needs no parser dependency.
public enum ConfigFile {
    public static func parse(_ text: String, source: String? = nil) throws(ConfigError) -> [ConfigDirective] {
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
            guard ProxyConfig.knownKeys.contains(String(key)) else {
                throw ConfigError("unknown setting '\(key)'", source: source, line: number)
            }
            if value.isEmpty, key != "admin-token" {
                throw ConfigError("'\(key)' needs a value", source: source, line: number)
            }
            directives.append(ConfigDirective(key: String(key), value: String(value), line: number))
        }
        return directives
    }

    /// File directives, then overrides. Backends given as overrides replace the file's list rather than add to it.
    public static func build(
        file: [ConfigDirective], overrides: [ConfigDirective], source: String? = nil
    ) throws(ConfigError) -> ProxyConfig {
        var config = ProxyConfig()
        let overrideBackends = overrides.contains { $0.key == "backend" }
        for directive in file where !(overrideBackends && directive.key == "backend") {
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
}
