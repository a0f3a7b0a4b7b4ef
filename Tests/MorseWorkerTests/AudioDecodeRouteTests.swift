import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MorseCode
import Testing

@testable import MorseWorker

/// `POST /api/v1/decode/audio`: a recording in, its text, speed, pitch and characters out; read through the
/// database's alphabet; every refusal says why and, for size, what the limit is.
@Suite("Audio decoding route")
struct AudioDecodeRouteTests {
    static let wav: HTTPFields = [.contentType: "audio/wav"]

    static func recording(_ morse: String, wpm: Double = 25, tone: Double = 650, rate: Int = 16000) throws -> ByteBuffer
    {
        ByteBuffer(
            bytes: try MorseAudio(morse: morse, timing: MorseTiming(wpm: wpm), toneHz: tone, sampleRate: rate)
                .wavData())
    }

    @Test func decodesARecording() async throws {
        try await withSQLiteWorker { client, _ in
            let response = try await client.execute(
                uri: "/api/v1/decode/audio", method: .post, headers: Self.wav,
                body: try Self.recording("-.-. --.- / -.. . / ..-. ....- -..- -.-- --.."))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(response.json["text"] as? String == "CQ DE F4XYZ")
            let wpm = try #require(response.json["wpm"] as? Double)
            #expect(abs(wpm - 25) < 1.5)
            let pitch = try #require(response.json["pitchHz"] as? Double)
            #expect(abs(pitch - 650) < 5)
            let characters = try #require(response.json["characters"] as? [[String: Any]])
            #expect(characters.count == 11)
            #expect(characters.first?["code"] as? String == "-.-.")
            #expect((characters.first?["confidence"] as? Double ?? 0) > 0.5)
            // The same object as `morse decode-audio --json`.
            let core = try MorseAudioDecoder.decode(
                wav: Array(try Self.recording("-.-. --.- / -.. . / ..-. ....- -..- -.-- --..").readableBytesView))
            let expected = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(core)) as? NSDictionary
            #expect(NSDictionary(dictionary: response.json) == expected)

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains("morse_audio_decoded_seconds_total"))
        }
    }

    /// The characters heard are read through the database's rows: a changed row changes the text.
    @Test func readsThroughTheDatabasesAlphabet() async throws {
        try await TestDatabase.with(.sqlite) { database in
            let store = try await database.openStore()
            let app = buildApplication(
                configuration: testConfiguration(refresh: .milliseconds(100)), store: store, logger: quietLogger)
            try await app.test(.router) { client in
                let body = try Self.recording("-.-. --.-")
                let before = try await client.execute(
                    uri: "/api/v1/decode/audio", method: .post, headers: Self.wav, body: body)
                #expect(before.json["text"] as? String == "CQ")
                try await database.execute("UPDATE alphabet_entries SET code = '--.-.' WHERE symbol = 'Q'")
                var text: String?
                for _ in 0..<50 {
                    try await Task.sleep(for: .milliseconds(100))
                    let after = try await client.execute(
                        uri: "/api/v1/decode/audio", method: .post, headers: Self.wav, body: body)
                    text = after.json["text"] as? String
                    if text == "C#" { break }
                }
                #expect(text == "C#")
            }
        }
    }

    @Test func refusalsSayWhy() async throws {
        var configuration = testConfiguration()
        configuration.audioUploadLimit = 64 << 10
        try await withSQLiteWorker(configuration: configuration) { client, _ in
            let good = try Self.recording("-.-.", rate: 8000)
            let untyped = try await client.execute(uri: "/api/v1/decode/audio", method: .post, body: good)
            #expect(untyped.status == .unsupportedMediaType)
            #expect(untyped.error.message?.contains("Content-Type: audio/wav") == true)
            let json = try await client.execute(
                uri: "/api/v1/decode/audio", method: .post, headers: [.contentType: "application/json"], body: good)
            #expect(json.status == .unsupportedMediaType)
            #expect(json.error.message?.contains("not application/json") == true)
            // Other names of WAV in use are taken.
            let xwav = try await client.execute(
                uri: "/api/v1/decode/audio", method: .post, headers: [.contentType: "audio/x-wav; codecs=1"],
                body: good)
            #expect(xwav.status == .ok)

            let text = try await client.execute(
                uri: "/api/v1/decode/audio", method: .post, headers: Self.wav, body: ByteBuffer(string: "hello"))
            #expect(text.status == .unprocessableContent)
            #expect(text.error.code == "unreadable_audio")
            #expect(text.error.message == "not a WAV file: it does not begin with a RIFF/WAVE header")

            var stereo = Array(good.readableBytesView)
            stereo[22] = 2
            let twoChannels = try await client.execute(
                uri: "/api/v1/decode/audio", method: .post, headers: Self.wav, body: ByteBuffer(bytes: stereo))
            #expect(twoChannels.status == .unprocessableContent)
            #expect(twoChannels.error.message == "not mono: the WAV file has 2 channels; use one channel")

            let short = try await client.execute(
                uri: "/api/v1/decode/audio", method: .post, headers: Self.wav,
                body: ByteBuffer(bytes: Array(good.readableBytesView.prefix(100))))
            #expect(short.error.message?.hasPrefix("the recording is too short") == true)

            // Over the limit, with and without a declared length: 413 naming the limit and what it holds.
            let long = try Self.recording(String(repeating: "... --- ... / ", count: 8), rate: 8000)
            #expect(long.readableBytes > 64 << 10)
            for headers: HTTPFields in [
                Self.wav, [.contentType: "audio/wav", .contentLength: "\(long.readableBytes)"],
            ] {
                let response = try await client.execute(
                    uri: "/api/v1/decode/audio", method: .post, headers: headers, body: long)
                #expect(response.status == .contentTooLarge)
                #expect(response.error.code == "body_too_large")
                #expect(
                    response.error.message
                        == "the recording is over the upload limit of 65536 bytes (64 KiB"
                        + ": 4 s of 16-bit mono at 8000 Hz, 1 s at 22050 Hz, 0 s at 44100 Hz); send a shorter one, "
                        + "or a lower sample rate")
            }

            let alphabet = try await client.execute(
                uri: "/api/v1/decode/audio?alphabet=klingon", method: .post, headers: Self.wav, body: good)
            #expect(alphabet.status == .badRequest)
            #expect(alphabet.error.code == "unknown_alphabet")
        }
    }

    @Test func theLimitIsStatedPerSampleRate() {
        #expect(
            AudioDecodeRoute.describe(limit: 8 << 20)
                == "8388608 bytes (8 MiB: 524 s of 16-bit mono at 8000 Hz, 190 s at 22050 Hz, 95 s at 44100 Hz)")
        #expect(WorkerConfiguration().audioUploadLimit == 8 << 20)
    }
}
