import MorseTestSupport
import Testing

/// MorseCode's public API is what MorseCLI, MorseCtl, MorseStore and MorseWorker use; the tests see the rest
/// through `@testable`. The list of it is Tests/PublicAPI/MorseCode.txt.
@Suite struct PublicSurfaceTests {
    @Test func publicSurfaceIsTheCommittedList() throws {
        let difference = try PublicSurface.check(library: "MorseCode")
        #expect(difference == nil, "\(difference ?? "")")
    }
}
