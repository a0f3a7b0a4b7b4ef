/// A configuration problem, worded for the operator who will read it in Ansible's `validate:` output.
struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    var message: String
    var source: String?
    var line: Int?

    init(_ message: String, source: String? = nil, line: Int? = nil) {
        self.message = message
        self.source = source
        self.line = line
    }

    var description: String {
        switch (source, line) {
        case (let source?, let line?): return "\(source):\(line): \(message)"
        case (let source?, nil): return "\(source): \(message)"
        case (nil, let line?): return "line \(line): \(message)"
        case (nil, nil): return message
        }
    }
}
