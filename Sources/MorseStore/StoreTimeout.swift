/// Runs a database operation with a deadline, turning every failure into ``StoreUnavailable``.
///
/// A pool waiting for a server that is down can wait for a long time; a request must not. The operation is
/// cancelled when the deadline passes, which returns its pool request.
func withStoreDeadline<Value: Sendable>(
    _ operation: String,
    timeout: Duration,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    do {
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw StoreUnavailable(operation: operation, reason: "no answer within \(timeout)")
            }
            return value
        }
    } catch let error as StoreUnavailable {
        throw error
    } catch {
        throw StoreUnavailable(operation: operation, reason: String(describing: error))
    }
}
