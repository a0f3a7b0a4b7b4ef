import NIOConcurrencyHelpers

/// Counts statements sent to the database. A lock rather than an atomic keeps to the package's macOS 14 floor.
final class QueryCounter: Sendable {
    private let count = NIOLockedValueBox(0)

    var value: Int { count.withLockedValue { $0 } }

    func increment() { count.withLockedValue { $0 += 1 } }
}
