import Foundation
import HTTPTypes
import Hummingbird
import MorseCode

/// `POST /api/v1/decode/audio` with an `audio/wav` body (`?alphabet=itu`): Morse heard in a recording, as JSON —
/// `{"text", "wpm", "farnsworthWPM", "pitchHz", "durationSeconds", "characters": [{"text", "code",
/// "startSeconds", "confidence"}]}`, the same object as `morse decode-audio --json`.
///
/// The body is decoded as it arrives (``WAVMorseDecoder``), in constant memory, so a long upload costs no more than
/// a short one and a file the decoder cannot read is refused as soon as its header shows it. The characters heard
/// are then read through the database's alphabet, fetching only their codes, as `/api/v1/decode` does.
struct AudioDecodeRoute: Sendable {
    static let path = "/api/v1/decode/audio"
    /// The media types of WAV in use: the registered one and the ones browsers and tools send.
    static let wavTypes: Set<String> = ["audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave"]
    let dependencies: WorkerDependencies
    /// Made once, not per request; the same settings as `morse decode-audio --json` (keys sorted).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func register(on router: Router<some RequestContext>) {
        router.post(RouterPath(Self.path)) { request, _ in
            try await decode(request)
        }
    }

    /// Seconds of 16-bit mono PCM at `sampleRate` that fit in `limit` bytes of WAV (its 44-byte header aside).
    static func longestRecording(limit: Int, sampleRate: Int) -> Int {
        max(0, limit - 44) / (2 * sampleRate)
    }

    /// "8388608 bytes (8 MiB: 524 s of 16-bit mono at 8000 Hz, 190 s at 22050 Hz, 95 s at 44100 Hz)".
    static func describe(limit: Int) -> String {
        let mib = Double(limit) / Double(1 << 20)
        let size = mib == mib.rounded() ? "\(Int(mib)) MiB" : "\(limit >> 10) KiB"
        let seconds = [8000, 22050, 44100].map { longestRecording(limit: limit, sampleRate: $0) }
        return "\(limit) bytes (\(size): \(seconds[0]) s of 16-bit mono at 8000 Hz, \(seconds[1]) s at 22050 Hz, "
            + "\(seconds[2]) s at 44100 Hz)"
    }

    func decode(_ request: Request) async throws(APIError) -> Response {
        let limit = dependencies.configuration.audioUploadLimit
        let type = request.headers[.contentType] ?? ""
        let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let mediaType, Self.wavTypes.contains(mediaType) else {
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "send the recording as a PCM WAV file with Content-Type: audio/wav"
                    + (type.isEmpty ? " (the request has no Content-Type)" : " (not \(type))"))
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw Self.tooLarge(limit)
        }
        let query = QueryParameters(request)
        var decoder = WAVMorseDecoder()
        var characters: [DecodedCharacter] = []
        var received = 0
        do {
            for try await buffer in request.body {
                received += buffer.readableBytes
                guard received <= limit else { throw Self.tooLarge(limit) }
                characters += try buffer.withUnsafeReadableBytes { bytes in
                    Result { () throws(WAVError) in try decoder.feed(bytes) }
                }.get()
            }
            characters += try decoder.finish()
        } catch let error as APIError {
            throw error
        } catch let error as WAVError {
            throw APIError(status: .unprocessableContent, code: "unreadable_audio", message: error.description)
        } catch {
            throw .malformed("the upload failed: \(error)")
        }
        let heard = decoder.result(characters)
        let alphabet = try await dependencies.translator.decodingAlphabet(
            for: heard.morse, alphabet: query["alphabet"] ?? "itu")
        let audio = heard.reading(with: alphabet)
        dependencies.metrics.audioDecoded(seconds: audio.durationSeconds)
        do {
            return .json(Array(try Self.encoder.encode(audio)))
        } catch {
            throw APIError(status: .internalServerError, code: "internal", message: "cannot write the result: \(error)")
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "body_too_large",
            message: "the recording is over the upload limit of \(describe(limit: limit)); send a shorter one, "
                + "or a lower sample rate")
    }
}
