import MorseTestSupport
import Testing

/// The public API of MorseWorker and MorseStore is what their command (MorseWorkerCommand) uses: the worker's
/// configuration, metrics, run and version, and the store's location. The tests see the rest through `@testable`.
/// The lists of it are Tests/PublicAPI/MorseWorker.txt and Tests/PublicAPI/MorseStore.txt.
@Suite struct PublicSurfaceTests {
    @Test(arguments: ["MorseWorker", "MorseStore"])
    func publicSurfaceIsTheCommittedList(library: String) throws {
        let difference = try PublicSurface.check(library: library)
        #expect(difference == nil, "\(difference ?? "")")
    }
}
