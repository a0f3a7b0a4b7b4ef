import Foundation
import Testing

@testable import MorseCode

/// Every input the fuzzers ever failed on (Tests/Fuzz/Regressions), replayed with the fuzzers' invariants.
@Suite struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fuzz/Regressions").standardized

    static func inputs(_ target: String) -> [String] {
        let directory = folder.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0).path }
    }

    @Test func regressionFilesExist() {
        #expect(!Self.inputs("encoder").isEmpty)
    }

    @Test(arguments: inputs("encoder"))
    func encoderInvariants(path: String) throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let encoder = MorseEncoder()
        let lenient = encoder.encodeLenient(text)
        do {
            let morse = try encoder.encode(text)
            #expect(lenient.problems.isEmpty)
            #expect(lenient.morse == morse)
            #expect(try MorseDecoder().decode(morse) == encoder.normalize(text))
        } catch {
            #expect(lenient.problems.first == error, "strict error and first lenient problem differ")
        }
    }

    @Test(arguments: inputs("decoder"))
    func decoderInvariants(path: String) throws {
        let morse = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let decoder = MorseDecoder()
        let lenient = decoder.decodeLenient(morse)
        do {
            let text = try decoder.decode(morse)
            #expect(lenient.problems.isEmpty && lenient.text == text)
            #expect(try decoder.decode(MorseEncoder().encode(text)) == text)
        } catch {
            #expect(lenient.problems.first == error)
        }
    }

    @Test func aCombiningMarkJoinsTheCharacterBeforeIt() {
        #expect(throws: MorseError(kind: .unencodableCharacter, position: 1, offending: ">\u{613}")) {
            try MorseEncoder().encode("a>\u{613}b")
        }
    }
}
