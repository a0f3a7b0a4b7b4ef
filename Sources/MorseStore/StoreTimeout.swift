import NIOConcurrencyHelpers

/// Runs a database operation with a deadline, turning every failure into ``StoreUnavailable``.
///
/// A pool waiting for a server that is down can wait for a long time; a request must not. When the deadline
/// passes the caller gets its answer at once and the operation is cancelled, which returns its pool request.
/// The caller does not wait for the cancellation to take effect: a task group would (it awaits every child),
/// and a driver blocked on a dead socket can take many seconds to notice it was cancelled.
func withStoreDeadline<Value: Sendable>(
    _ operation: String,
    timeout: Duration,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let race = DeadlineRace<Value>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await body()))
                } catch let error as StoreUnavailable {
                    race.finish(.failure(error))
                } catch {
                    race.finish(.failure(StoreUnavailable(operation: operation, reason: String(describing: error))))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                race.finish(.failure(StoreUnavailable(operation: operation, reason: "no answer within \(timeout)")))
            }
            race.onFinish(cancelling: work, timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, the timer and the caller's cancellation resumes the caller; the others are
/// cancelled and their results dropped.
private final class DeadlineRace<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var result: Result<Value, any Error>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    func start(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLockedValue { state -> Result<Value, any Error>? in
            if state.result == nil { state.continuation = continuation }
            return state.result
        }
        // Cancelled before it began.
        if let early { continuation.resume(with: early) }
    }

    func onFinish(cancelling tasks: Task<Void, Never>...) {
        let finished = state.withLockedValue { state -> Bool in
            if state.result == nil { state.tasks = tasks }
            return state.result != nil
        }
        if finished { tasks.forEach { $0.cancel() } }
    }

    func finish(_ result: Result<Value, any Error>) {
        let taken = state.withLockedValue { state -> (CheckedContinuation<Value, any Error>?, [Task<Void, Never>])? in
            guard state.result == nil else { return nil }
            state.result = result
            defer {
                state.continuation = nil
                state.tasks = []
            }
            return (state.continuation, state.tasks)
        }
        guard let (continuation, tasks) = taken else { return }
        tasks.forEach { $0.cancel() }
        continuation?.resume(with: result)
    }
}
