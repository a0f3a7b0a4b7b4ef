import MorseStore
import ServiceLifecycle

/// Runs the store's background work (the PostgreSQL pool) for as long as the worker runs.
///
/// Listed first among the application's services, it is shut down last: requests still finishing during the
/// shutdown keep their database.
struct StoreService: Service {
    let store: any MorseStore

    func run() async {
        await cancelWhenGracefulShutdown {
            await store.run()
        }
        await store.close()
    }
}
