/// A configuration problem, worded for the operator who will read it in Ansible's `validate:` output.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var source: String?
    public var line: Int?

    public init(_ message: String, source: String? = nil, line: Int? = nil) {
        self.message = message
        self.source = source
        self.line = line
    }

    public var description: String {
        switch (source, line) {
        case (let source?, let line?): return "\(source):\(line): \(message)"
        case (let source?, nil): return "\(source): \(message)"
        case (nil, let line?): return "line \(line): \(message)"
        case (nil, nil): return message
        }
    }
}
