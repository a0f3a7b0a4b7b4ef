public import Logging

/// Event log (state transitions, errors) on stderr, kept apart from the access log on stdout.
public enum ProxyLogging {
    public static func makeLogger(level: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
        return Logger(label: "morse-proxy")
    }
}
