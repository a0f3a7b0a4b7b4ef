import Hummingbird
import MorseStore

/// `GET /api/v1/alphabets`: the tables the database holds (name, description, rows, version).
struct AlphabetRoutes: Sendable {
    let dependencies: WorkerDependencies

    func register(on router: Router<some RequestContext>) {
        router.get("/api/v1/alphabets") { _, _ in
            let summaries: [AlphabetSummary]
            do {
                summaries = try await dependencies.store.alphabets()
            } catch {
                throw APIError.unavailable(
                    error as? StoreUnavailable ?? StoreUnavailable(operation: "alphabet list", reason: "\(error)"),
                    retryAfter: dependencies.configuration.retryAfter)
            }
            let list = JSONWriter.array(
                summaries.map {
                    JSONWriter.object([
                        "name": .string($0.name), "description": .string($0.description), "entries": .int($0.entries),
                        "version": .int(Int($0.version)),
                    ])
                })
            return Response.json(JSONWriter.object(["alphabets": .raw(list)]))
        }
    }
}
