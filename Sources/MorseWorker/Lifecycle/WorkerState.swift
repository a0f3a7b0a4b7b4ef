import NIOConcurrencyHelpers

/// What `/readyz` reports: whether the worker should get traffic.
///
/// It is fed by the background tasks, never by the probe itself, so a probe costs no query and answers at once
/// even while the database hangs.
final class WorkerState: Sendable {
    struct Snapshot: Sendable {
        var migrated = false
        var draining = false
        /// When the database last answered the version read.
        var lastContact: ContinuousClock.Instant?
        var lastError: String?
    }

    private let state = NIOLockedValueBox(Snapshot())
    /// How long after its last answer the database still counts as reachable: a few refresh periods.
    let contactValidity: Duration

    init(contactValidity: Duration) {
        self.contactValidity = contactValidity
    }

    var snapshot: Snapshot { state.withLockedValue { $0 } }

    func markMigrated() { state.withLockedValue { $0.migrated = true } }

    func beginDraining() { state.withLockedValue { $0.draining = true } }

    func databaseAnswered() {
        state.withLockedValue {
            $0.lastContact = .now
            $0.lastError = nil
        }
    }

    func databaseFailed(_ error: String) { state.withLockedValue { $0.lastError = error } }

    var isDatabaseReachable: Bool {
        let snapshot = self.snapshot
        guard let contact = snapshot.lastContact else { return false }
        return snapshot.lastError == nil || ContinuousClock.now - contact < contactValidity
    }
}
