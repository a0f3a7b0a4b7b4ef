import Hummingbird
import MorseCode
import MorseStore

/// `GET /` and its form (`POST /`), and `GET /m/{id}`: the HTML side of the worker.
struct PageRoutes: Sendable {
    let dependencies: WorkerDependencies

    var renderer: PageRenderer { PageRenderer(workerName: dependencies.configuration.name) }

    func register(on router: Router<some RequestContext>) {
        router.get("/") { _, _ in
            Response.html(renderer.page())
        }
        router.post("/") { request, _ in
            var request = request
            let body = try await request.collectBody(limit: dependencies.configuration.bodyLimit)
            return await submit(FormBody(String(buffer: body)))
        }
        router.get("/m/{id}") { _, context in
            do throws(APIError) {
                let message = try await MessageRoutes(dependencies: dependencies).find(
                    context.parameters.get("id") ?? "")
                return Response.html(renderer.message(message))
            } catch {
                return Response.html(
                    renderer.notice(
                        title: error.status == .notFound ? "Message not found" : "Unavailable", text: error.message),
                    status: error.status, headers: error.headers)
            }
        }
    }

    /// The form's answer: the result or the error on the page itself, or, to share, a redirect to the message.
    func submit(_ form: FormBody) async -> Response {
        let input = form["text"] ?? ""
        let mode = PageRenderer.Mode(rawValue: form["mode"] ?? "") ?? .encode
        do throws(APIError) {
            if form["action"] == "share" {
                let message = try await MessageRoutes(dependencies: dependencies).store(text: input, alphabet: "itu")
                var headers = HTTPFields()
                headers[.location] = "/m/\(message.id)"
                return Response(status: .seeOther, headers: headers)
            }
            switch mode {
            case .encode:
                let encoded = try await dependencies.translator.encode(input, alphabet: "itu", lenient: false)
                return .html(renderer.page(input: input, mode: mode, outcome: .result(encoded.morse, audioText: input)))
            case .decode:
                let decoded = try await dependencies.translator.decode(input, alphabet: "itu", lenient: false)
                return .html(renderer.page(input: input, mode: mode, outcome: .result(decoded.text, audioText: nil)))
            }
        } catch {
            // The whole page again, with the error inline at its position: the form stays usable without script.
            let outcome = PageRenderer.Outcome.error(message: error.message, input: input, position: error.position)
            return .html(
                renderer.page(input: input, mode: mode, outcome: outcome), status: error.status, headers: error.headers)
        }
    }
}
