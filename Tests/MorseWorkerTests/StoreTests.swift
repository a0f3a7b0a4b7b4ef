import Foundation
import MorseCode
import MorseStore
import Testing

/// The store contract, on a real SQLite file and a real PostgreSQL server started by the test itself.
@Suite("Store", .serialized)
struct StoreTests {
    @Test("migrations seed the ITU table once, even run twice and concurrently", arguments: Backend.allCases)
    func migrations(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let first = try await database.openStore()
            let second = try await database.openStore()
            try await withRunningStore(first) { first in
                try await withRunningStore(second) { second in
                    // Two workers starting together.
                    async let a: Void = first.migrate(logger: quietLogger)
                    async let b: Void = second.migrate(logger: quietLogger)
                    _ = try await (a, b)
                    try await first.migrate(logger: quietLogger)
                    #expect(try await database.count("SELECT count(*) FROM schema_migrations") == 4)
                    #expect(
                        try await database.count("SELECT count(*) FROM alphabet_entries") == Alphabet.ituEntries.count)
                    let summaries = try await first.alphabets()
                    #expect(summaries.map(\.name) == ["itu"])
                    #expect(summaries.first?.entries == Alphabet.ituEntries.count)
                }
            }
        }
    }

    @Test("stores opened at the same moment on a new SQLite file all open (SQLite answers busy to one's WAL switch)")
    func simultaneousOpens() async throws {
        let directory = try temporaryDirectory("morse-sqlite-opens")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for round in 0..<20 {
            let path = "\(directory)/morse-\(round).db"
            let stores = try await withThrowingTaskGroup(of: SQLiteStore.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await SQLiteStore.open(path: path, logger: quietLogger) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(stores.count == 4)
            for store in stores { await store.close() }
        }
    }

    @Test("rows are fetched by symbol and by code, in table order", arguments: Backend.allCases)
    func lookups(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await withRunningStore(try await database.openStore()) { store in
                try await store.migrate(logger: quietLogger)
                let rows = try await store.entries(alphabet: "itu", symbols: ["S", "O", "É", "~"])
                #expect(Set(rows.map(\.symbol)) == ["S", "O", "É"])
                #expect(rows.first { $0.symbol == "É" }?.code == "..-..")
                // Every row of a code with two meanings comes back, with its flags, so the policy applies.
                let shared = try await store.entries(alphabet: "itu", codes: [".-...", "..."])
                #expect(Set(shared.map(\.symbol)) == ["<AS>", "&", "S"])
                let ampersand = try #require(shared.first { $0.symbol == "&" })
                #expect(ampersand.isExtension && !ampersand.decodesByDefault)
                #expect(try await store.entries(alphabet: "klingon", symbols: ["S"]).isEmpty)
                // The rows build the same alphabet as the core's table.
                let all = try await store.entries(alphabet: "itu", symbols: Alphabet.ituEntries.map(\.symbol))
                #expect(all == Alphabet.ituEntries)
            }
        }
    }

    @Test("any change to an alphabet's rows moves its version", arguments: Backend.allCases)
    func versions(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await withRunningStore(try await database.openStore()) { store in
                try await store.migrate(logger: quietLogger)
                let before = try #require(try await store.alphabetVersions()["itu"])
                try await database.execute(
                    "INSERT INTO alphabet_entries (alphabet, symbol, code, category) VALUES ('itu', '~', '.-.-..', 'punctuation')"
                )
                let inserted = try #require(try await store.alphabetVersions()["itu"])
                #expect(inserted > before)
                try await database.execute("UPDATE alphabet_entries SET code = '..-.-.' WHERE symbol = '~'")
                let updated = try #require(try await store.alphabetVersions()["itu"])
                #expect(updated > inserted)
                try await database.execute("DELETE FROM alphabet_entries WHERE symbol = '~'")
                #expect(try #require(try await store.alphabetVersions()["itu"]) > updated)
            }
        }
    }

    @Test("messages are stored whole and read back; an ID is never reused", arguments: Backend.allCases)
    func messages(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await withRunningStore(try await database.openStore()) { store in
                try await store.migrate(logger: quietLogger)
                let message = StoredMessage(
                    id: "AAAAAAAAAAAAAAAAAAAAAA", text: "Hi \"there\" é", morse: ".... ..", alphabet: "itu",
                    createdAt: 1_700_000_000_000)
                try await store.insert(message)
                #expect(try await store.message(id: message.id) == message)
                #expect(try await store.message(id: "BBBBBBBBBBBBBBBBBBBBBB") == nil)
                await #expect(throws: StoreUnavailable.self) { try await store.insert(message) }
                #expect(try await database.count("SELECT count(*) FROM messages") == 1)
            }
        }
    }

    @Test("a write resent with its idempotency key stores nothing more", arguments: Backend.allCases)
    func idempotentWrites(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await withRunningStore(try await database.openStore()) { store in
                try await store.migrate(logger: quietLogger)
                let first = StoredMessage(
                    id: "CCCCCCCCCCCCCCCCCCCCCC", text: "once", morse: "--- -. -.-. .", alphabet: "itu",
                    createdAt: 1_700_000_000_000)
                var resent = first
                resent.id = "DDDDDDDDDDDDDDDDDDDDDD"
                #expect(try await store.insert(first, idempotencyKey: "key-1") == first)
                #expect(try await store.insert(resent, idempotencyKey: "key-1") == first, "the first write wins")
                #expect(try await store.message(id: resent.id) == nil)
                var other = resent
                other.id = "EEEEEEEEEEEEEEEEEEEEEE"
                #expect(try await store.insert(other, idempotencyKey: "key-2") == other)
                // Writes without a key never conflict with each other.
                var plain = first
                plain.id = "FFFFFFFFFFFFFFFFFFFFFF"
                try await store.insert(plain)
                plain.id = "GGGGGGGGGGGGGGGGGGGGGG"
                try await store.insert(plain)
                #expect(try await database.count("SELECT count(*) FROM messages") == 4)
            }
        }
    }
}
