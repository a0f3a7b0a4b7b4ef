import MorseProxy

#if canImport(Glibc)
import Glibc
#endif

/// `morse-proxy`: reads the command line and the config file, then runs the proxy until it is stopped.
/// Exit status: 0 after a clean stop or a valid `--check-config`; 1 for an invalid configuration or an address
/// that cannot be bound; 64 for a command line that cannot be read.
@main
enum MorseProxyCommand {
    static func main() {
        let options: CommandLineOptions
        do { options = try CommandLineOptions(parsing: Array(CommandLine.arguments.dropFirst())) } catch {
            printError("morse-proxy: \(error)\nSee 'morse-proxy --help'.")
            exit(64)
        }
        if options.showsVersion {
            print("morse-proxy \(ProxyVersion.current)")
            return
        }
        if options.showsHelp {
            print(HelpText.render(width: terminalWidth()))
            return
        }
        if let file = options.checkConfig {
            do {
                let loaded = try ConfigFile.load(path: file, overrides: options.overrides)
                print("\(file): OK (\(loaded.summary))")
                return
            } catch {
                printError("\(error)")
                exit(1)
            }
        }
        do {
            let loaded = try ConfigFile.load(path: options.config, overrides: options.overrides)
            let logger = ProxyLogging.makeLogger(level: options.logLevel)
            // SIGHUP re-reads the file and applies the same flags again, so they keep overriding it.
            let proxy = try Proxy(config: loaded, logger: logger) {
                try ConfigFile.load(path: options.config, overrides: options.overrides)
            }
            proxy.takeOverPath = options.takeOver
            try proxy.run()
        } catch {
            printError("morse-proxy: \(error)")
            exit(1)
        }
    }

    static func printError(_ message: String) {
        let line = message + "\n"
        _ = line.utf8.withContiguousStorageIfAvailable { write(2, $0.baseAddress, $0.count) }
    }

    /// The terminal's width for `--help`, 100 when stdout is not a terminal.
    static func terminalWidth() -> Int {
        var size = winsize()
        guard isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 60 else { return 100 }
        return min(Int(size.ws_col), 120)
    }
}
