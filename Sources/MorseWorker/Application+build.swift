import Hummingbird
import Logging
import MorseStore

/// Builds the worker's application around a store: routes, middleware, and the background services (the store's
/// pool and the alphabet refresher). Migrations run before the listener opens.
///
/// The returned application does not drain on SIGTERM by itself; ``Worker/run(configuration:logger:metrics:)``
/// wraps it with the drain. Tests use this directly.
func buildApplication(
    configuration: WorkerConfiguration,
    store: any MorseStore,
    logger: Logger,
    metrics: WorkerMetrics = WorkerMetrics()
) -> some ApplicationProtocol {
    buildWorker(configuration: configuration, store: store, logger: logger, metrics: metrics).application
}

/// The application and the state the lifecycle needs to reach.
struct BuiltWorker<App: ApplicationProtocol> {
    var application: App
    var dependencies: WorkerDependencies
}

func buildWorker(
    configuration: WorkerConfiguration,
    store: any MorseStore,
    logger: Logger,
    metrics: WorkerMetrics
) -> BuiltWorker<some ApplicationProtocol> {
    let source = AlphabetSource(store: store)
    // The database counts as reachable for three refresh periods after its last answer.
    let state = WorkerState(contactValidity: configuration.alphabetRefreshInterval * 3)
    let dependencies = WorkerDependencies(
        configuration: configuration, store: store, source: source, state: state, metrics: metrics, logger: logger)

    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(WorkerHeadersMiddleware(name: configuration.name, metrics: metrics))
    router.middlewares.add(JSONErrorMiddleware())
    HealthRoutes(dependencies: dependencies).register(on: router)
    CodingRoutes(dependencies: dependencies).register(on: router)
    AudioRoute(dependencies: dependencies).register(on: router)
    AudioDecodeRoute(dependencies: dependencies).register(on: router)
    AlphabetRoutes(dependencies: dependencies).register(on: router)
    MessageRoutes(dependencies: dependencies).register(on: router)
    PageRoutes(dependencies: dependencies).register(on: router)

    let refresher = AlphabetRefresher(
        source: source, state: state, interval: configuration.alphabetRefreshInterval, logger: logger)
    var application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [StoreService(store: store), refresher],
        logger: logger)
    application.beforeServerStarts {
        try await store.migrate(logger: logger)
        state.markMigrated()
        // Learn the alphabets before the first request, so that it is not refused as "not loaded".
        await refresher.refreshOnce()
    }
    return BuiltWorker(application: application, dependencies: dependencies)
}
