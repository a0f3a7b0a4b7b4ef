import Logging
import MorseStore

/// What the routes need, made once per worker.
struct WorkerDependencies: Sendable {
    let configuration: WorkerConfiguration
    let store: any MorseStore
    let source: AlphabetSource
    let state: WorkerState
    let metrics: WorkerMetrics
    let logger: Logger

    var translator: Translator { Translator(source: source, retryAfter: configuration.retryAfter) }
}
