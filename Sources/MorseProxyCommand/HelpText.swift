import MorseProxy

/// `--help`: the command's own options, then every setting from `ProxySetting.all` with its default.
enum HelpText {
    static let overview =
        "HTTP/1.1 reverse proxy: round-robin over healthy backends, with retries, drain and metrics."

    static let discussion = """
        Settings come from --config FILE (one `key value` per line, see docs/proxy.md), then from flags, which \
        override the file: every setting below is also a key of the file (`--rise 3` = `rise 3`). Durations take \
        a unit (500ms, 2s, 1m); sizes take bytes or k/KiB/m/MiB suffixes.
        Signals: SIGHUP reloads the config file (flags still override it); SIGTERM/SIGINT stop accepting, let \
        in-flight requests finish within --grace-period, then exit 0.
        """

    static func render(width: Int) -> String {
        var lines = ["OVERVIEW: " + overview, ""]
        lines.append(
            "USAGE: morse-proxy [--config <file>] [--check-config <file>] [--take-over <socket>] [--log-level <level>] [--<setting> <value> ...]"
        )
        lines.append("")
        for paragraph in discussion.split(separator: "\n") {
            lines += wrap(String(paragraph), width: width, indent: 0)
        }
        lines += ["", "OPTIONS:"]
        for option in CommandLineOptions.ownOptions {
            lines += entry("--\(option.name) <\(option.placeholder)>", option.help, width: width)
        }
        lines += entry("--version", "Print the version and exit.", width: width)
        lines += entry("-h, --help", "Show help information.", width: width)
        lines += ["", "SETTINGS:"]
        for setting in ProxySetting.all {
            var help = setting.help
            if setting.reload == .needsRestart { help += " A change needs a restart." }
            // A non-breaking joint, so that the default is never split from its label.
            if let value = setting.defaultText { help += " (default:\u{1}\(value))" }
            lines += entry("--\(setting.key) <\(setting.placeholder)>", help, width: width)
        }
        return String(lines.joined(separator: "\n").map { $0 == "\u{1}" ? " " : $0 })
    }

    /// Label and help side by side as ArgumentParser lays them out; a long label gets a line of its own.
    private static func entry(_ label: String, _ help: String, width: Int) -> [String] {
        let column = 34
        let helpLines = wrap(help, width: width, indent: column)
        let head = "  " + label
        if head.count + 2 <= column {
            let first = head + String(repeating: " ", count: column - head.count) + helpLines[0].dropFirst(column)
            return [first] + helpLines.dropFirst()
        }
        return [head] + helpLines
    }

    private static func wrap(_ text: String, width: Int, indent: Int) -> [String] {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = margin
        for word in text.split(separator: " ") {
            if line.count > indent && line.count + 1 + word.count > width {
                lines.append(line)
                line = margin
            }
            line += (line.count > indent ? " " : "") + word
        }
        lines.append(line)
        return lines
    }
}
