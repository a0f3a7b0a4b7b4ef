import Logging
import MorseStore
import ServiceLifecycle

/// Reads the alphabet version counters every interval and drops cache entries that changed.
///
/// This is what lets a change to the table reach the worker without a restart, while requests themselves never
/// check: a fully cached request runs no query. Its successes and failures also tell `/readyz` whether the
/// database is reachable.
struct AlphabetRefresher: Service {
    let source: AlphabetSource
    let state: WorkerState
    let interval: Duration
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refreshOnce()
                try? await Task.sleep(for: interval)
            }
        }
    }

    func refreshOnce() async {
        // Migrations create the tables; until then there is nothing to read.
        guard state.snapshot.migrated else { return }
        do {
            let changed = try await source.refresh()
            if state.snapshot.lastError != nil { logger.info("database reachable again") }
            state.databaseAnswered()
            if !changed.isEmpty {
                logger.info("alphabet changed: cache dropped", metadata: ["alphabets": "\(changed)"])
            }
        } catch {
            if state.snapshot.lastError == nil {
                logger.warning("database unreachable", metadata: ["error": "\(error)"])
            }
            state.databaseFailed("\(error)")
        }
    }
}
