import Hummingbird
import MorseCode
import MorseStore

/// `GET /` and its form (`POST /`), `GET /m/{id}`, and the page's assets: the HTML side of the worker.
struct PageRoutes: Sendable {
    let dependencies: WorkerDependencies

    var renderer: PageRenderer {
        PageRenderer(
            workerName: dependencies.configuration.name,
            audioUploadLimit: dependencies.configuration.audioUploadLimit)
    }

    func register(on router: Router<some RequestContext>) {
        AssetRoutes().register(on: router)
        router.get("/") { request, _ in
            var state = PageRenderer.State(alphabets: alphabets())
            // `/?text=…` opens the page with the text in the field (a bookmarkable start).
            if let text = QueryParameters(request)["text"] { state.input = text }
            return Response.html(renderer.page(state))
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

    /// The alphabets the cache knows (no query): the form's choices without script.
    func alphabets() -> [String] {
        let names = dependencies.source.cache.alphabetNames
        return names.isEmpty ? ["itu"] : names
    }

    /// The form's answer: the result or the error on the page itself, or, to share, a redirect to the message.
    func submit(_ form: FormBody) async -> Response {
        let input = form["text"] ?? ""
        let action = form["action"] ?? ""
        let mode = PageRenderer.Mode(rawValue: action) ?? PageRenderer.Mode(rawValue: form["mode"] ?? "") ?? .encode
        let alphabet = form["alphabet"].flatMap { $0.isEmpty ? nil : $0 } ?? "itu"
        var state = PageRenderer.State(
            input: input, mode: mode, alphabet: alphabet, alphabets: alphabets(), sound: Self.sound(form))
        do throws(APIError) {
            if action == "share" {
                let message = try await MessageRoutes(dependencies: dependencies).store(text: input, alphabet: alphabet)
                var headers = HTTPFields()
                headers[.location] = "/m/\(message.id)"
                return Response(status: .seeOther, headers: headers)
            }
            switch mode {
            case .encode:
                let encoded = try await dependencies.translator.encode(input, alphabet: alphabet, lenient: false)
                state.outcome = .result(encoded.morse, audioText: input, morse: encoded.morse)
            case .decode:
                let decoded = try await dependencies.translator.decode(input, alphabet: alphabet, lenient: false)
                state.outcome = .result(decoded.text, audioText: decoded.text, morse: input)
            }
            return .html(renderer.page(state))
        } catch {
            // The whole page again, with the error inline at its position: the form stays usable without script.
            state.outcome = .error(message: error.message, input: input, position: error.position)
            return .html(renderer.page(state), status: error.status, headers: error.headers)
        }
    }

    /// Speed, Farnsworth speed and tone from the form, each kept within the audio route's bounds.
    static func sound(_ form: FormBody) -> PageRenderer.Sound {
        func value(_ name: String, _ bounds: ClosedRange<Double>) -> Double? {
            guard let text = form[name], let number = Double(text), number.isFinite else { return nil }
            return min(max(number, bounds.lowerBound), bounds.upperBound)
        }
        var sound = PageRenderer.Sound()
        sound.wpm = value("wpm", Bounds.wpm) ?? sound.wpm
        if let farnsworth = value("farnsworth", Bounds.wpm), farnsworth < sound.wpm { sound.farnsworth = farnsworth }
        sound.tone = value("tone", Bounds.tone) ?? sound.tone
        return sound
    }
}
