import MorseProxy

/// The command line: the command's own options, and one flag per `ProxySetting` (`--key value` or
/// `--key=value`), each turned into a directive applied after the config file's. A flag given twice counts once,
/// the last time; a list's flag (`--backend`) adds an element each time.
struct CommandLineOptions {
    var config: String?
    var checkConfig: String?
    var logLevel = "info"
    var takeOver: String?
    var showsHelp = false
    var showsVersion = false
    var overrides: [ConfigDirective] = []

    /// The options that are not settings: they name files or the event log, which the config file cannot.
    static let ownOptions: [(name: String, placeholder: String, help: String)] = [
        ("config", "file", "Config file to load (and to re-read on SIGHUP)."),
        ("check-config", "file", "Validate FILE (with any other flags applied), print the result, exit 0 or 1."),
        (
            "take-over", "socket",
            "Binary upgrade: take the listening sockets and backend states from the morse-proxy whose "
                + "upgrade-socket this is, instead of binding; it stops accepting once this one serves, then quiesces."
        ),
        (
            "log-level", "level",
            "Event log level on stderr: trace, debug, info, notice, warning, error (default: info)."
        ),
    ]

    init(parsing arguments: [String]) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" || argument == "--help" {
                showsHelp = true
                continue
            }
            if argument == "--version" {
                showsVersion = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError("unexpected argument '\(argument)'")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard Self.ownOptions.contains(where: { $0.name == name }) || ProxySetting.named(name) != nil else {
                throw UsageError("unknown option '--\(name)'" + Self.suggestion(for: name))
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw UsageError("--\(name) needs a value")
                }
                value = arguments[index]
                index += 1
            }
            switch name {
            case "config": config = value
            case "check-config": checkConfig = value
            case "take-over": takeOver = value
            case "log-level": logLevel = value
            default: overrides.append(ConfigDirective(key: name, value: value))
            }
        }
    }

    /// ", did you mean '--listen'?" for a near miss of a known flag.
    private static func suggestion(for name: String) -> String {
        let names = ownOptions.map(\.name) + ProxySetting.all.map(\.key)
        guard let best = names.min(by: { distance($0, name) < distance($1, name) }), distance(best, name) <= 2
        else { return "" }
        return "; did you mean '--\(best)'?"
    }

    /// Edit distance (insertions, deletions, substitutions), one row at a time.
    private static func distance(_ first: String, _ second: String) -> Int {
        let second = Array(second)
        var row = Array(0...second.count)
        for (i, x) in first.enumerated() {
            var diagonal = row[0]
            row[0] = i + 1
            for (j, y) in second.enumerated() {
                let above = row[j + 1]
                row[j + 1] = min(above + 1, row[j] + 1, diagonal + (x == y ? 0 : 1))
                diagonal = above
            }
        }
        return row[second.count]
    }
}

/// A command line that cannot be read; the process exits 64 (EX_USAGE) after saying why.
struct UsageError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
