public import Logging
import MorseStore
import ServiceLifecycle
import UnixSignals

/// Runs a worker as the command does: opens the store, serves, and on SIGTERM or SIGINT drains, finishes
/// in-flight requests, closes the database and returns.
public enum Worker {
    public static func run(configuration: WorkerConfiguration, logger: Logger, metrics: WorkerMetrics) async throws {
        let store = try await openStore(configuration, logger: logger)
        logger.info(
            "starting worker",
            metadata: [
                "name": "\(configuration.name)", "version": "\(WorkerVersion.current)",
                "address": "\(configuration.host):\(configuration.port)", "database": "\(configuration.database)",
            ])
        let built = buildWorker(configuration: configuration, store: store, logger: logger, metrics: metrics)
        let drain = DrainService(state: built.dependencies.state, period: configuration.drainPeriod, logger: logger)
        // Shut down in reverse order: the drain first, then the application (listener, in-flight requests,
        // refresher, database pool). A request that hangs cannot hold the process forever.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: built.application), .init(service: drain)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("worker stopped")
    }

    static func openStore(_ configuration: WorkerConfiguration, logger: Logger) async throws -> any MorseStore {
        switch configuration.database {
        case .sqlite(let path):
            try await SQLiteStore.open(path: path, timeout: configuration.storeTimeout, logger: logger)
        case .postgres(let address):
            PostgresStore(address: address, timeout: configuration.storeTimeout, logger: logger)
        }
    }
}
