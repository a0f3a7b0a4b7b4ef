import Foundation
import Hummingbird
import HummingbirdTesting
import MorseStore

@testable import MorseWorker

/// A worker configuration for in-process tests.
func testConfiguration(name: String = "test1", refresh: Duration = .seconds(1)) -> WorkerConfiguration {
    var configuration = WorkerConfiguration()
    configuration.name = name
    configuration.port = 0
    configuration.alphabetRefreshInterval = refresh
    configuration.storeTimeout = .seconds(1)
    configuration.retryAfter = .seconds(2)
    configuration.maxAudioLength = .seconds(60)
    return configuration
}

/// Runs `body` against an in-process worker on a fresh SQLite database.
func withSQLiteWorker<Value: Sendable>(
    configuration: WorkerConfiguration = testConfiguration(),
    _ body: @Sendable (any TestClientProtocol, any MorseStore) async throws -> Value
) async throws -> Value {
    try await TestDatabase.with(.sqlite) { database in
        let store = try await database.openStore()
        let app = buildApplication(configuration: configuration, store: store, logger: quietLogger)
        return try await app.test(.router) { client in try await body(client, store) }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// `error.code`, `error.message`, `error.position` of an error body.
    var error: (code: String?, message: String?, position: Int?) {
        let error = json["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String, error?["position"] as? Int)
    }
}

func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

extension String {
    /// Percent-encoded for a query string.
    var query: String { addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self }
}
