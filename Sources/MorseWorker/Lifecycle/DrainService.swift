import Logging
import ServiceLifecycle

/// Turns the worker unready on SIGTERM and keeps it serving for the drain period.
///
/// It runs in a service group after the application, so it is told to shut down first; the application (and
/// with it the listener) is only told once this returns. A proxy probing `/readyz` meanwhile sees 503 and stops
/// sending new requests; requests already in flight then finish while the server quiesces.
struct DrainService: Service {
    let state: WorkerState
    let period: Duration
    let logger: Logger

    func run() async throws {
        // Waits until the group shuts down (or is cancelled, which ends the process without draining).
        try await gracefulShutdown()
        state.beginDraining()
        logger.info("draining: /readyz answers 503", metadata: ["drain_seconds": "\(period.seconds)"])
        try? await Task.sleep(for: period)
        logger.info("drain period over: closing the listener and finishing in-flight requests")
    }
}
