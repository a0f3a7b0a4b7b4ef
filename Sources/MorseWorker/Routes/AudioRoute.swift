import HTTPTypes
import Hummingbird
import MorseCode

/// `GET /api/v1/audio?text=…&wpm=20&farnsworth=…&tone=600&rate=8000`: the text as a WAV file.
///
/// The file is computed while it is sent, chunk by chunk, so a long message costs constant memory; its length is
/// known beforehand, so the response has a Content-Length and a player can show the duration at once.
struct AudioRoute: Sendable {
    static let path = "/api/v1/audio"
    let dependencies: WorkerDependencies

    func register(on router: Router<some RequestContext>) {
        router.get(RouterPath(Self.path)) { request, _ in
            try await audio(request)
        }
    }

    func audio(_ request: Request) async throws(APIError) -> Response {
        let query = QueryParameters(request)
        let text = try query.required("text")
        let wpm = try query.number("wpm", default: Bounds.defaultWPM, in: Bounds.wpm)!
        let farnsworth = try query.number("farnsworth", default: nil, in: Bounds.wpm.lowerBound...wpm)
        let tone = try query.number("tone", default: 600, in: Bounds.tone)!
        let rateValue = try query.number("rate", default: 8000, in: 1...1_000_000)!
        guard let rate = Bounds.sampleRates.first(where: { Double($0) == rateValue }) else {
            throw .outOfRange(
                "rate",
                "\(rateValue.clean) is not one of \(Bounds.sampleRates.map(String.init).joined(separator: ", "))")
        }
        let encoded = try await dependencies.translator.encode(
            text, alphabet: query["alphabet"] ?? "itu", lenient: false)
        let audio: MorseAudio
        do {
            audio = try MorseAudio(
                morse: encoded.morse, timing: try MorseTiming(wpm: wpm, farnsworthWPM: farnsworth), toneHz: tone,
                sampleRate: rate)
        } catch {
            throw .outOfRange("audio", "\(error)")
        }
        let limit = dependencies.configuration.maxAudioLength.seconds
        guard audio.durationMs <= limit * 1000 else {
            throw APIError(
                status: .unprocessableContent, code: "audio_too_long",
                message: "the audio would last \(Int(audio.durationMs / 1000)) s; the limit is \(limit.clean) s")
        }
        var headers = HTTPFields()
        headers[.contentType] = "audio/wav"
        headers[.contentDisposition] = "inline; filename=\"morse.wav\""
        headers[.init("X-Audio-Duration-Ms")!] = String(Int(audio.durationMs.rounded()))
        let body = ResponseBody(contentLength: audio.wavByteCount) { writer in
            // About a second of sound per chunk at 8 kHz: few writes, small buffers.
            for chunk in audio.wavChunks(samplesPerChunk: 8192) {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
