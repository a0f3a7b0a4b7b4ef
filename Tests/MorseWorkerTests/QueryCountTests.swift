import HTTPTypes
import HummingbirdTesting
import Logging
import MorseCode
import MorseStore
import NIOConcurrencyHelpers
import Testing

@testable import MorseWorker

/// A real store that also remembers what each alphabet query asked for; the statements still run.
final class RecordingStore: MorseStore {
    let base: any MorseStore
    let asked = NIOLockedValueBox<[[String]]>([])

    init(_ base: any MorseStore) { self.base = base }

    var kind: String { base.kind }
    var queryCount: Int { base.queryCount }
    func run() async { await base.run() }
    func migrate(logger: Logger) async throws { try await base.migrate(logger: logger) }
    func entries(alphabet: String, symbols: [String]) async throws -> [AlphabetEntry] {
        asked.withLockedValue { $0.append(symbols.sorted()) }
        return try await base.entries(alphabet: alphabet, symbols: symbols)
    }
    func entries(alphabet: String, codes: [String]) async throws -> [AlphabetEntry] {
        asked.withLockedValue { $0.append(codes.sorted()) }
        return try await base.entries(alphabet: alphabet, codes: codes)
    }
    func alphabetVersions() async throws -> [String: Int64] { try await base.alphabetVersions() }
    func alphabets() async throws -> [AlphabetSummary] { try await base.alphabets() }
    func insert(_ message: StoredMessage, idempotencyKey: String?) async throws -> StoredMessage {
        try await base.insert(message, idempotencyKey: idempotencyKey)
    }
    func message(id: String) async throws -> StoredMessage? { try await base.message(id: id) }
    func close() async { await base.close() }

    /// The queries asked since the last call.
    func takeAsked() -> [[String]] {
        asked.withLockedValue { asked in
            defer { asked = [] }
            return asked
        }
    }
}

/// A request costs one statement for its distinct uncached characters, and none once they are cached.
@Suite("Query count")
struct QueryCountTests {
    @Test(arguments: Backend.allCases)
    func oneQueryForUncachedNoneForCached(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let store = RecordingStore(try await database.openStore())
            // No background refresh during the test: only requests send statements.
            let app = buildApplication(
                configuration: testConfiguration(refresh: .seconds(3600)), store: store, logger: quietLogger)
            try await app.test(.router) { client in
                func cost(_ uri: String) async throws -> (queries: Int, asked: [[String]], status: Int) {
                    let before = store.queryCount
                    _ = store.takeAsked()
                    let response = try await client.execute(uri: uri, method: .get)
                    return (store.queryCount - before, store.takeAsked(), response.status.code)
                }
                // S and O, each once, though the text repeats them (and in both cases).
                var spent = try await cost("/api/v1/encode?text=\("SOS sos".query)")
                #expect(spent.queries == 1)
                #expect(spent.asked == [["O", "S"]])
                #expect(spent.status == 200)
                spent = try await cost("/api/v1/encode?text=\("SOS SOS".query)")
                #expect(spent.queries == 0)
                // Only what is new: A and P.
                spent = try await cost("/api/v1/encode?text=SOAP")
                #expect(spent.queries == 1)
                #expect(spent.asked == [["A", "P"]])
                // A character the table lacks is remembered as lacking.
                spent = try await cost("/api/v1/encode?text=\("SO~".query)")
                #expect(spent.queries == 1)
                #expect(spent.asked == [["~"]])
                #expect(spent.status == 422)
                spent = try await cost("/api/v1/encode?text=\("SO~".query)")
                #expect(spent.queries == 0)
                #expect(spent.status == 422)
                // Decoding fetches by code, once.
                spent = try await cost("/api/v1/decode?morse=\("... --- ... / ...".query)")
                #expect(spent.queries == 1)
                #expect(spent.asked == [["---", "..."]])
                spent = try await cost("/api/v1/decode?morse=\("--- ...".query)")
                #expect(spent.queries == 0)
                // Audio uses the same cache.
                spent = try await cost("/api/v1/audio?text=SOAP")
                #expect(spent.queries == 0)
                #expect(spent.status == 200)
                // Probes never touch the database.
                spent = try await cost("/readyz")
                #expect(spent.queries == 0)
            }
        }
    }
}
