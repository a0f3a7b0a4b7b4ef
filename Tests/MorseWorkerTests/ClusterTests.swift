import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MorseStore
import Testing

@testable import MorseWorker

/// Two workers on one database, as the proxy sees them.
@Suite("Two workers", .serialized)
struct ClusterTests {
    /// Runs `body` with two in-process workers, each with its own store (connections and cache) on `database`.
    func withTwoWorkers<Value: Sendable>(
        on database: TestDatabase,
        _ body: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let first = buildApplication(
            configuration: testConfiguration(name: "web1"), store: try await database.openStore(), logger: quietLogger)
        let second = buildApplication(
            configuration: testConfiguration(name: "web2"), store: try await database.openStore(), logger: quietLogger)
        return try await first.test(.router) { one in
            try await second.test(.router) { two in try await body(one, two) }
        }
    }

    @Test("a row added to the alphabet is served by both workers within 5 s", arguments: Backend.allCases)
    func alphabetChangeReachesEveryWorker(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await withTwoWorkers(on: database) { one, two in
                let uri = "/api/v1/encode?text=\("SOS~".query)"
                // Both have cached S and O, and '~' as missing.
                for client in [one, two] {
                    #expect(try await client.execute(uri: uri, method: .get).status == .unprocessableContent)
                }
                try await database.execute(
                    """
                    INSERT INTO alphabet_entries (alphabet, symbol, code, category, is_extension, position)
                    VALUES ('itu', '~', '.-.-..', 'punctuation', \(backend == .postgres ? "TRUE" : "1"), 1000)
                    """)
                let start = ContinuousClock.now
                var served: [String: Duration] = [:]
                while served.count < 2, ContinuousClock.now - start < .seconds(6) {
                    for (name, client) in [("web1", one), ("web2", two)] where served[name] == nil {
                        let response = try await client.execute(uri: uri, method: .get)
                        if response.status == .ok {
                            #expect(response.json["morse"] as? String == "... --- ... .-.-..")
                            #expect(response.headers[HTTPField.Name("X-Served-By")!] == name)
                            served[name] = ContinuousClock.now - start
                        }
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                print("\(backend): new row served by \(served.mapValues { $0.milliseconds })")
                #expect(served.count == 2)
                #expect(served.values.allSatisfy { $0 < .seconds(5) })
            }
        }
    }

    @Test("a message written through one worker is read through the other", arguments: Backend.allCases)
    func messageAcrossWorkers(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await withTwoWorkers(on: database) { one, two in
                let created = try await one.execute(
                    uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "Across the cluster"]))
                #expect(created.status == .created)
                let id = try #require(created.json["id"] as? String)
                let read = try await two.execute(uri: "/api/v1/messages/\(id)", method: .get)
                #expect(read.status == .ok)
                #expect(read.json["text"] as? String == "Across the cluster")
                #expect(read.headers[HTTPField.Name("X-Served-By")!] == "web2")
                let page = try await two.execute(uri: "/m/\(id)", method: .get)
                #expect(page.text.contains("Across the cluster"))
            }
        }
    }

    /// PostgreSQL stopped: writes answer 503 with Retry-After and store nothing; cached coding keeps working; when
    /// the server is back, writes work again without a restart.
    @Test func postgresOutage() async throws {
        try await TestDatabase.with(.postgres) { database in
            guard case .postgres(let cluster) = database.location else { return }
            try await withTwoWorkers(on: database) { one, two in
                let before = try await one.execute(
                    uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "before"]))
                #expect(before.status == .created)
                for client in [one, two] {
                    #expect(try await client.execute(uri: "/api/v1/encode?text=SOS", method: .get).status == .ok)
                }

                try cluster.stop()
                for client in [one, two] {
                    let write = try await client.execute(
                        uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "during"]))
                    #expect(write.status == .serviceUnavailable)
                    #expect(write.error.code == "store_unavailable")
                    #expect(write.headers[.retryAfter] == "2")
                    // Cached characters need no database.
                    let encode = try await client.execute(uri: "/api/v1/encode?text=SOS", method: .get)
                    #expect(encode.status == .ok)
                }
                // Readiness notices within a few refresh periods.
                try await Task.sleep(for: .seconds(3.5))
                #expect(try await one.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)

                try cluster.start()
                #expect(try await database.count("SELECT count(*) FROM messages") == 1)
                #expect(try await database.count("SELECT count(*) FROM messages WHERE text = 'during'") == 0)
                // Back without a restart.
                var recovered = false
                for _ in 0..<40 where !recovered {
                    let write = try await two.execute(
                        uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "after"]))
                    recovered = write.status == .created
                    if !recovered { try await Task.sleep(for: .milliseconds(250)) }
                }
                #expect(recovered)
                #expect(try await database.count("SELECT count(*) FROM messages") == 2)
            }
        }
    }

    /// SQLite locked by another process's write transaction: the write fails after the busy timeout with 503 and
    /// Retry-After, nothing is stored, reads still work (WAL), and the next write after the lock succeeds.
    @Test func sqliteLocked() async throws {
        try await TestDatabase.with(.sqlite) { database in
            guard case .sqlite(let path) = database.location else { return }
            try await withTwoWorkers(on: database) { one, two in
                #expect(try await one.execute(uri: "/api/v1/encode?text=SOS", method: .get).status == .ok)
                let locker = try await SQLiteConnectionHolder.lock(path)
                do {
                    let write = try await one.execute(
                        uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "during"]))
                    #expect(write.status == .serviceUnavailable)
                    #expect(write.error.code == "store_unavailable")
                    #expect(write.headers[.retryAfter] == "2")
                    // Readers are not blocked by a writer in WAL mode: uncached characters still load.
                    let encode = try await two.execute(uri: "/api/v1/encode?text=PARIS", method: .get)
                    #expect(encode.status == .ok)
                }
                try await locker.unlock()
                #expect(try await database.count("SELECT count(*) FROM messages") == 0)
                let after = try await two.execute(
                    uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "after"]))
                #expect(after.status == .created)
                #expect(try await database.count("SELECT count(*) FROM messages") == 1)
            }
        }
    }
}
