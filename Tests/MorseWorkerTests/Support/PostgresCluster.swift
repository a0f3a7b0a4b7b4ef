import Foundation
import Logging
import MorseStore
import PostgresNIO

/// A throwaway PostgreSQL cluster for one test: `initdb` in a temporary folder, a server on a free loopback
/// port, stopped and deleted at the end. Uses the Debian server binaries (package `postgresql`).
final class PostgresCluster: Sendable {
    static let binaries = "/usr/lib/postgresql/15/bin"
    /// The OS user the server runs as when the tests run as root.
    static let user = "postgres"

    let directory: String
    let port: Int

    var data: String { directory + "/data" }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// Runs `body` with a started cluster; stops it whatever happens.
    static func with<Value>(_ body: (PostgresCluster) async throws -> Value) async throws -> Value {
        let cluster = try PostgresCluster.create()
        defer { cluster.destroy() }
        try cluster.start()
        return try await body(cluster)
    }

    static func create() throws -> PostgresCluster {
        let directory = try temporaryDirectory("morse-pg")
        if getuid() == 0 { try shell("/bin/chown", [user, directory]) }
        let cluster = PostgresCluster(directory: directory, port: try freePort())
        try shell(
            binaries + "/initdb",
            ["-D", cluster.data, "-U", "morse", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            asUser: user)
        return cluster
    }

    func start() throws {
        try shell(
            Self.binaries + "/pg_ctl",
            [
                "-D", data, "-l", directory + "/server.log", "-w", "-t", "30",
                "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
            ],
            asUser: Self.user)
    }

    func stop() throws {
        try shell(Self.binaries + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"], asUser: Self.user)
    }

    private func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var address: StoreLocation.PostgresAddress {
        .init(host: "127.0.0.1", port: port, username: "morse", password: nil, database: "postgres")
    }

    /// Runs SQL through psql-free means: a one-off connection of the driver itself.
    func execute(_ sql: String) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: "127.0.0.1", port: port, username: "morse", password: nil, database: "postgres", tls: .disable),
            id: 1, logger: Logger(label: "test"))
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
    }

    /// The first column of the first row as an integer, e.g. a `count(*)`.
    func count(_ sql: String) async throws -> Int {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: "127.0.0.1", port: port, username: "morse", password: nil, database: "postgres", tls: .disable),
            id: 1, logger: Logger(label: "test"))
        defer { Task { try? await connection.close() } }
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
            .decode(Int.self)
        {
            return value
        }
        return 0
    }
}
