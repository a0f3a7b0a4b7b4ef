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
                // Ignores cancellation: resumes after 10 s whatever happens.
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 10) { continuation.resume() }
                }
                return 1
            }
        }
        let waited = clock.now - start
        // Far from the 10 s the operation takes; loose above the 200 ms deadline because the whole suite runs in
        // parallel on two cores.
        #expect(waited < .seconds(5), "answered after \(waited), not near the 200 ms deadline")
        print("stuck operation answered after \(waited)")
    }

    @Test func aQuickOperationReturnsItsValue() async throws {
        let value = try await withStoreDeadline("quick", timeout: .seconds(2)) { 42 }
        #expect(value == 42)
    }
}
