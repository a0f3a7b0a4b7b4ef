import CoreMetrics
import Hummingbird
import MorseStore
import Prometheus

/// `/healthz` (liveness), `/readyz` (readiness) and `/metrics`.
///
/// Neither probe queries the database: `/healthz` says the process answers; `/readyz` reads the state the
/// background refresher keeps (see ``WorkerState``). Readiness policy: 503 while draining; 503 until migrations
/// ran and the alphabet versions were read; 503 when the database has not answered for a few refresh periods,
/// unless the worker runs with `--ready-without-database` (then it stays ready on its cache, and only writes fail).
struct HealthRoutes: Sendable {
    let dependencies: WorkerDependencies

    /// Paths that probes and scrapers call every few seconds, forever: logged at debug, or they drown the log.
    static let probePaths: Set<String> = ["/healthz", "/readyz", "/metrics"]

    func register(on router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in
            Response.json(
                JSONWriter.object([
                    "status": .string("ok"), "name": .string(dependencies.configuration.name),
                    "version": .string(WorkerVersion.current),
                ]))
        }
        router.get("/readyz") { _, _ in
            readiness()
        }
        router.get("/metrics") { _, _ in
            dependencies.metrics.storeQueries.record(dependencies.store.queryCount)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: dependencies.metrics.registry.emitToBuffer())))
        }
    }

    func readiness() -> Response {
        let snapshot = dependencies.state.snapshot
        let database = dependencies.state.isDatabaseReachable
        let loaded = dependencies.source.cache.isLoaded && snapshot.migrated
        let ready =
            !snapshot.draining && loaded && (database || !dependencies.configuration.readinessRequiresDatabase)
        let status = snapshot.draining ? "draining" : (ready ? "ready" : "unready")
        var checks: [UInt8]
        if let error = snapshot.lastError, !database {
            checks = JSONWriter.object([
                "database": .string("unreachable"), "databaseError": .string(error), "alphabets": .bool(loaded),
                "draining": .bool(snapshot.draining),
            ])
        } else {
            checks = JSONWriter.object([
                "database": .string(database ? "ok" : "unknown"), "alphabets": .bool(loaded),
                "draining": .bool(snapshot.draining),
            ])
        }
        return .json(
            JSONWriter.object([
                "status": .string(status), "name": .string(dependencies.configuration.name),
                "version": .string(WorkerVersion.current), "store": .string(dependencies.store.kind),
                "checks": .raw(checks),
            ]), status: ready ? .ok : .serviceUnavailable)
    }
}
