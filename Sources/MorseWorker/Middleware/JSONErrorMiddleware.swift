import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape, including the framework's own (unknown route, method not
/// allowed), so clients parse one format.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let code: String =
                switch error.status {
                case .notFound: "not_found"
                case .methodNotAllowed: "method_not_allowed"
                case .contentTooLarge: "body_too_large"
                case .badRequest: "malformed_request"
                default: "http_\(error.status.code)"
                }
            var response = Response.json(
                APIError(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase).body,
                status: error.status)
            for field in error.headers { response.headers.append(field) }
            return response
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return Response.json(
                APIError(status: .internalServerError, code: "internal_error", message: "internal error").body,
                status: .internalServerError)
        }
    }
}
