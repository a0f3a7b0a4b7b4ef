import Dispatch
import Testing

@testable import MorseStore

/// The store's deadline answers on time even when the operation ignores cancellation, as a driver blocked on a
/// dead socket does: the request must not wait for the driver to notice.
struct StoreDeadlineTests {
    @Test func aStuckOperationIsAnsweredAtTheDeadline() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: StoreUnavailable.self) {
            try await withStoreDeadline("stuck", timeout: .milliseconds(200)) {
                // Ignores cancellation: resumes after 3 s whatever happens.
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 3) { continuation.resume() }
                }
                return 1
            }
        }
        let waited = clock.now - start
        #expect(waited < .seconds(1), "answered after \(waited), not at the 200 ms deadline")
    }

    @Test func aQuickOperationReturnsItsValue() async throws {
        let value = try await withStoreDeadline("quick", timeout: .seconds(2)) { 42 }
        #expect(value == 42)
    }
}
