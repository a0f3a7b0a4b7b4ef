import Hummingbird
import MorseCode

/// `/api/v1/encode` and `/api/v1/decode`, as JSON bodies (POST) or query parameters (GET, for curl).
struct CodingRoutes: Sendable {
    let dependencies: WorkerDependencies

    struct EncodeBody: Decodable {
        var text: String
        var alphabet: String?
        var lenient: Bool?
        var wpm: Double?
        var farnsworth: Double?
    }

    struct DecodeBody: Decodable {
        var morse: String
        var alphabet: String?
        var lenient: Bool?
    }

    func register(on router: Router<some RequestContext>) {
        router.get("/api/v1/encode") { request, _ in
            let query = QueryParameters(request)
            let wpm = try query.number("wpm", default: Bounds.defaultWPM, in: Bounds.wpm)!
            let farnsworth = try query.number("farnsworth", default: nil, in: Bounds.wpm.lowerBound...wpm)
            return try await encode(
                text: query.required("text"), alphabet: query["alphabet"] ?? "itu", lenient: query.flag("lenient"),
                timing: Self.timing(wpm: wpm, farnsworth: farnsworth))
        }
        router.post("/api/v1/encode") { request, _ in
            var request = request
            let body = try await request.decodeJSON(EncodeBody.self, limit: dependencies.configuration.bodyLimit)
            return try await encode(
                text: body.text, alphabet: body.alphabet ?? "itu", lenient: body.lenient ?? false,
                timing: Self.timing(wpm: body.wpm ?? Bounds.defaultWPM, farnsworth: body.farnsworth))
        }
        router.get("/api/v1/decode") { request, _ in
            let query = QueryParameters(request)
            return try await decode(
                morse: query.required("morse"), alphabet: query["alphabet"] ?? "itu", lenient: query.flag("lenient"))
        }
        router.post("/api/v1/decode") { request, _ in
            var request = request
            let body = try await request.decodeJSON(DecodeBody.self, limit: dependencies.configuration.bodyLimit)
            return try await decode(morse: body.morse, alphabet: body.alphabet ?? "itu", lenient: body.lenient ?? false)
        }
    }

    /// `{"morse", "units", "durationMs", "timing"}`: units and duration (at `wpm`, 20 by default, with Farnsworth
    /// spacing at `farnsworth` if given) without a trailing gap, and the lengths the audio of the same text at the
    /// same speeds gives each element and gap (see ``TimingJSON``).
    func encode(text: String, alphabet: String, lenient: Bool, timing: MorseTiming) async throws(APIError) -> Response {
        guard text.utf8.count <= dependencies.configuration.bodyLimit else {
            throw .tooLarge(limit: dependencies.configuration.bodyLimit)
        }
        let encoded = try await dependencies.translator.encode(text, alphabet: alphabet, lenient: lenient)
        let units = MorseSignals(encoded.morse).units
        // Without Farnsworth spacing every element and gap is a whole number of units: one pass over the signals
        // gives both figures.
        let durationMs =
            timing.farnsworthWPM < timing.wpm ? timing.durationMs(of: encoded.morse) : Double(units) * timing.unitMs
        if lenient {
            return .json(
                JSONWriter.object([
                    "morse": .string(encoded.morse), "units": .int(units),
                    "durationMs": .double(durationMs), "timing": .raw(TimingJSON.object(timing)),
                    "problems": .raw(Self.problems(encoded.problems)),
                ]))
        }
        return .json(
            JSONWriter.object([
                "morse": .string(encoded.morse), "units": .int(units),
                "durationMs": .double(durationMs), "timing": .raw(TimingJSON.object(timing)),
            ]))
    }

    /// The speeds of an encode request, within the audio route's bounds: 422 beyond them.
    static func timing(wpm: Double, farnsworth: Double?) throws(APIError) -> MorseTiming {
        guard Bounds.wpm.contains(wpm) else {
            throw .outOfRange(
                "wpm", "\(wpm.clean) is outside \(Bounds.wpm.lowerBound.clean)-\(Bounds.wpm.upperBound.clean)")
        }
        if let farnsworth, !(Bounds.wpm.lowerBound...wpm).contains(farnsworth) {
            throw .outOfRange(
                "farnsworth", "\(farnsworth.clean) is outside \(Bounds.wpm.lowerBound.clean)-\(wpm.clean)")
        }
        do {
            return try MorseTiming(wpm: wpm, farnsworthWPM: farnsworth)
        } catch {
            throw .outOfRange("wpm", error.description)
        }
    }

    func decode(morse: String, alphabet: String, lenient: Bool) async throws(APIError) -> Response {
        guard morse.utf8.count <= dependencies.configuration.bodyLimit else {
            throw .tooLarge(limit: dependencies.configuration.bodyLimit)
        }
        let decoded = try await dependencies.translator.decode(morse, alphabet: alphabet, lenient: lenient)
        if lenient {
            return .json(
                JSONWriter.object(["text": .string(decoded.text), "problems": .raw(Self.problems(decoded.problems))]))
        }
        return .json(JSONWriter.object(["text": .string(decoded.text)]))
    }

    /// Lenient coding's problems, each like an error: `{"code", "message", "position"}`.
    static func problems(_ problems: [MorseError]) -> [UInt8] {
        JSONWriter.array(
            problems.map {
                JSONWriter.object([
                    "code": .string($0.kind.rawValue), "message": .string($0.description),
                    "position": .int($0.position),
                ])
            })
    }
}

/// The bounds of the coding and audio parameters, and the speed when a request names none.
enum Bounds {
    static let wpm: ClosedRange<Double> = 5...60
    static let defaultWPM = 20.0
    static let tone: ClosedRange<Double> = 200...2000
    static let sampleRates = [8000, 11025, 16000, 22050, 44100]
}
