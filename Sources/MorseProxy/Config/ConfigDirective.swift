/// One `key value` setting. The file is a list of these and every flag is turned into one, so a flag
/// overrides the file simply by being applied after it.
public struct ConfigDirective: Sendable, Equatable {
    var key: String
    var value: String
    var line: Int?

    public init(key: String, value: String) {
        self.init(key: key, value: value, line: nil)
    }

    init(key: String, value: String, line: Int?) {
        self.key = key
        self.value = value
        self.line = line
    }
}

extension ProxyConfig {
    /// Applies one directive through its `ProxySetting`. A list (`backend`) appends; any other key replaces the
    /// previous value.
    mutating func apply(_ directive: ConfigDirective) throws(ConfigError) {
        guard let setting = ProxySetting.named(directive.key) else {
            throw ConfigError("unknown setting '\(directive.key)'", line: directive.line)
        }
        do throws(ConfigError) {
            try setting.apply(&self, directive.value)
        } catch {
            var located = error
            if located.line == nil { located.line = directive.line }
            located.message = "\(directive.key): \(located.message)"
            throw located
        }
    }
}
