import CoreMetrics
import HTTPTypes
import Hummingbird
import Logging

/// Outermost middleware: names the worker on every response, carries the caller's request ID into the log and
/// back, records the metrics and writes the access log.
struct WorkerHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let name: String
    let metrics: WorkerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var context = context
        // Only a sane ID is echoed: it ends up in logs and headers.
        let requestID = request.headers[WorkerHeaders.requestID].flatMap { id in
            id.utf8.count <= 128 && id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) ? id : nil
        }
        if let requestID { context.logger[metadataKey: "request_id"] = .string(requestID) }
        metrics.inFlight.increment()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The error middleware answers every error; this only catches what slipped past it.
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            response = Response.json(
                APIError(status: .internalServerError, code: "internal_error", message: "internal error").body,
                status: .internalServerError)
        }
        response.headers[WorkerHeaders.servedBy] = name
        response.headers[WorkerHeaders.workerVersion] = WorkerVersion.current
        if let requestID { response.headers[WorkerHeaders.requestID] = requestID }
        let route = context.endpointPath ?? "unmatched"
        let status = response.status.code
        let logger = context.logger
        let method = request.method
        let path = request.uri.path
        let metrics = metrics
        let level: Logger.Level = HealthRoutes.probePaths.contains(route) ? .debug : .info
        let finish: @Sendable () -> Void = {
            let duration = ContinuousClock.now - start
            metrics.inFlight.decrement()
            metrics.record(route: route, method: method, status: status, duration: duration)
            logger.log(
                level: level, "request",
                metadata: [
                    "method": "\(method)", "path": "\(path)", "status": "\(status)",
                    "ms": "\(duration.milliseconds)",
                ])
        }
        guard route == AudioRoute.path, response.status == .ok else {
            // Already in memory: done now. Keeping the body as it is keeps the server's one-write fast path.
            finish()
            return response
        }
        // Streamed (audio): recorded once the body is written, so that it counts whole.
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { finish() }
            try await body.write(writer)
        }
        return response
    }
}

/// The worker's own header names, parsed once (a generic type cannot hold stored statics).
enum WorkerHeaders {
    static let requestID = HTTPField.Name("X-Request-ID")!
    static let servedBy = HTTPField.Name("X-Served-By")!
    static let workerVersion = HTTPField.Name("X-Worker-Version")!
}
