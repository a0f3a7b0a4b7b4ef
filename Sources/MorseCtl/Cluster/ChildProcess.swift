import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with a clean signal state.
///
/// Foundation's `Process` starts a child with the signal mask of the thread that calls `run()`, and the
/// supervisor calls it from a Dispatch queue, whose threads block nearly every signal; a child that waits for
/// SIGTERM in a loop of its own (morse-proxy's libevent) then never sees it. A child here starts with no signal
/// blocked and every signal at its default action, whatever the supervisor itself blocks or ignores.
final class ChildProcess: @unchecked Sendable {
    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signalled(let number): "was killed by signal \(number)"
            }
        }
    }

    let pid: pid_t
    /// The read end of the pipe that carries the child's standard output and standard error.
    let output: FileHandle

    /// Starts `executable` with `arguments`, standard input from /dev/null, standard output and error into
    /// `output`, and the supervisor's environment.
    init(executable: String, arguments: [String]) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw ChildProcessError("pipe", errno: errno) }
        // Close-on-exec: a later child must not inherit an earlier child's pipe, or that pipe never reports
        // end-of-file. (pipe2 is not exported to Swift; the supervisor spawns from one queue, so no other spawn
        // can slip in between.)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        defer { close(ends[1]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            close(ends[0])
            throw ChildProcessError("posix_spawn \(executable)", errno: result)
        }
        pid = child
        output = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
    }

    /// Calls `handler` on `queue` once the child has ended (a thread waits for it: there are a handful of
    /// children, and this keeps SIGCHLD out of the picture).
    func onExit(queue: DispatchQueue, _ handler: @escaping @Sendable (Termination) -> Void) {
        let pid = pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else { return }
            }
            // WIFEXITED / WTERMSIG are macros Swift cannot import: the low seven bits name the signal, 0 if none.
            let signalNumber = status & 0x7f
            let termination: Termination =
                signalNumber == 0 ? .exited((status >> 8) & 0xff) : .signalled(signalNumber)
            queue.async { handler(termination) }
        }
    }

    func signal(_ number: Int32) { kill(pid, number) }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String

    init(_ what: String, errno code: Int32) {
        description = "\(what): \(String(cString: strerror(code)))"
    }
}
