/// One setting of the proxy, declared once in `ProxySetting.all`: its config-file key (and flag, `--key`), the
/// shape of its value, its `--help` line, its row in docs/proxy.md, whether a reload applies it, and how it reads
/// and writes `ProxyConfig`. The file parser, the command line, `--help`, SIGHUP reloads and the docs table all
/// follow from the table. A setting's default is the value `ProxyConfig()` holds, written as the file writes it.
public struct ProxySetting: Sendable {
    /// Whether a SIGHUP reload applies a changed value.
    public enum Reload: Sendable {
        case applies
        /// The running value stays (a listening socket is kept, say) until the process restarts.
        case needsRestart
    }

    /// The key in the config file and, after `--`, the flag.
    public let key: String
    /// What the value looks like, for `--help`: `duration`, `size`, `host:port`...
    public let placeholder: String
    /// One line for `--help`, without the default (added from `defaultText`).
    public let help: String
    /// Its meaning in docs/proxy.md's table (Markdown). Without one, the help line serves, lower-cased and
    /// without its period.
    let doc: String
    public let reload: Reload
    /// Repeatable (`backend`): each directive adds an element, and when flags give any they replace the file's.
    let isList: Bool
    /// The key may stand alone in the file (`admin-token` with no value: no token).
    let allowsEmptyValue: Bool
    let apply: @Sendable (inout ProxyConfig, String) throws(ConfigError) -> Void
    /// The value in `config` as the file would write it; nil when unset or empty.
    let render: @Sendable (_ config: ProxyConfig) -> String?
    /// The property of `ProxyConfig` the setting writes, and only that one.
    let path: any PartialKeyPath<ProxyConfig> & Sendable
    /// Copies this setting's value from `source` (a reload keeping what needs a restart).
    let carry: @Sendable (_ config: inout ProxyConfig, _ source: ProxyConfig) -> Void

    /// The default as the file would write it; nil for none.
    public var defaultText: String? { render(ProxyConfig()) }

    /// The setting named `key`, if there is one.
    public static func named(_ key: String) -> ProxySetting? {
        all.first { $0.key == key }
    }

    /// The setting stored at `path`, its text read and written as `value` says: a directive replaces the value,
    /// or, for a list (`.list(.backend)`), adds an element to it.
    init<Value>(
        _ key: String, _ path: any WritableKeyPath<ProxyConfig, Value> & Sendable, _ value: SettingValue<Value>,
        help: String, doc: String? = nil, reload: Reload = .applies
    ) {
        self.key = key
        self.path = path
        self.placeholder = value.placeholder
        self.help = help
        self.doc = doc ?? Self.docLine(help)
        self.reload = reload
        self.isList = value.isList
        self.allowsEmptyValue = value.allowsEmpty
        self.apply = { config, text throws(ConfigError) in
            config[keyPath: path] = value.merge(config[keyPath: path], try value.parse(text))
        }
        self.render = { value.format($0[keyPath: path]) }
        self.carry = { config, source in config[keyPath: path] = source[keyPath: path] }
    }

    private static func docLine(_ help: String) -> String {
        String(help.prefix(1).lowercased() + help.dropFirst().dropLast(help.hasSuffix(".") ? 1 : 0))
    }
}

extension ProxyConfig {
    /// This configuration as a reload applies it over `running`: a setting that needs a restart keeps its running
    /// value, and a message says so for each one that changed.
    func reloaded(over running: ProxyConfig) -> (config: ProxyConfig, ignored: [String]) {
        var kept = self
        var ignored: [String] = []
        for setting in ProxySetting.all where setting.reload == .needsRestart {
            let current = setting.render(running) ?? "none"
            let wanted = setting.render(self) ?? "none"
            guard wanted != current else { continue }
            ignored.append("\(setting.key) change to \(wanted) needs a restart; keeping \(current)")
            setting.carry(&kept, running)
        }
        return (kept, ignored)
    }
}
