import Foundation

/// Runs a command to completion and returns its output; throws with the output when it fails.
///
/// `posix_spawn` and `waitpid` rather than Foundation's `Process`: `pg_ctl start` leaves a server running that
/// inherits what the child had open, and `Process` then never sees the child end.
@discardableResult
func shell(_ executable: String, _ arguments: [String], asUser user: String? = nil) throws -> String {
    var command = [executable] + arguments
    if let user, getuid() == 0 {
        // PostgreSQL refuses to run as root: tests running as root hand its commands to another user.
        command = ["/usr/sbin/runuser", "-u", user, "--"] + command
    }
    let outputPath = NSTemporaryDirectory() + "/morse-shell-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let pid = try spawn(command, output: outputPath)
    let status = waitForExit(pid)
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    guard status == 0 else {
        throw ShellError(command: command.joined(separator: " "), output: text)
    }
    return text
}

/// Starts `command` with stdout and stderr appended to `output` and stdin from /dev/null; returns its pid.
func spawn(_ command: [String], output: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Nothing else is inherited. `pg_ctl start` leaves a server behind that would otherwise keep the test runner's
    // pipes open: when a test process dies (a sanitizer's halt_on_error), `swift test` then waits on the pipe for
    // as long as that server lives. glibc ignores a close action on a descriptor closed meanwhile.
    for descriptor in openDescriptors() where descriptor > 2 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
    }
    let arguments = command.map { strdup($0) } + [nil]
    defer { arguments.forEach { free($0) } }
    var pid = pid_t()
    let result = posix_spawn(&pid, command[0], &actions, nil, arguments, environ)
    guard result == 0 else {
        throw ShellError(command: command.joined(separator: " "), output: String(cString: strerror(result)))
    }
    return pid
}

/// The descriptors this process has open, from /proc/self/fd.
private func openDescriptors() -> [Int32] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.compactMap { Int32($0) }
}

/// Waits for a child to end; its exit status, or 128 + the signal that ended it.
func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    if status & 0x7F == 0 { return (status >> 8) & 0xFF }
    return 128 + (status & 0x7F)
}

struct ShellError: Error, CustomStringConvertible {
    var command: String
    var output: String
    var description: String { "\(command) failed:\n\(output)" }
}

/// A port nobody listens on right now: bind to port 0 on loopback, read what the kernel chose, close.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw ShellError(command: "bind", output: String(cString: strerror(errno))) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A fresh directory under the system's temporary folder.
func temporaryDirectory(_ prefix: String) throws -> String {
    var template = Array("\(NSTemporaryDirectory())/\(prefix).XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else { throw ShellError(command: "mkdtemp", output: "") }
    return String(cString: path)
}
