import Foundation

/// Output for people: progress and warnings on standard error, results on standard output.
enum Terminal {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A progress line, rewritten in place on a terminal and printed as lines elsewhere (logs, CI).
    static func progress(_ line: String) {
        if isatty(2) != 0 {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
        } else {
            error(line)
        }
    }

    static func endProgress() {
        if isatty(2) != 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
