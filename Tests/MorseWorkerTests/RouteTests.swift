import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MorseCode
import Testing

@testable import MorseWorker

/// Every route, status and error of the API, in process on a real SQLite database.
@Suite("Routes")
struct RouteTests {
    static let servedBy = HTTPField.Name("X-Served-By")!
    static let requestID = HTTPField.Name("X-Request-ID")!

    @Test func healthAndReadiness() async throws {
        try await withSQLiteWorker { client, _ in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.json["name"] as? String == "test1")
            #expect(health.json["version"] as? String == WorkerVersion.current)
            #expect(health.headers[Self.servedBy] == "test1")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.json["status"] as? String == "ready")
            _ = try await client.execute(uri: "/api/v1/encode?text=SOS", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("morse_http_requests_total{"))
            #expect(metrics.text.contains("route=\"/api/v1/encode\""))
        }
    }

    @Test func encodeByQueryAndBody() async throws {
        try await withSQLiteWorker { client, _ in
            let get = try await client.execute(
                uri: "/api/v1/encode?text=\("Hello, World!".query)", method: .get, headers: [Self.requestID: "req-42"])
            #expect(get.status == .ok)
            #expect(get.json["morse"] as? String == ".... . .-.. .-.. --- --..-- / .-- --- .-. .-.. -.. -.-.--")
            #expect(get.json["units"] as? Int == 155)
            #expect(get.json["durationMs"] as? Int == 155 * 60)
            #expect(get.headers[Self.requestID] == "req-42")
            #expect(get.headers[Self.servedBy] == "test1")
            #expect(get.headers[.contentType] == "application/json; charset=utf-8")

            let post = try await client.execute(
                uri: "/api/v1/encode", method: .post,
                body: jsonBody(["text": "ÉTÉ", "alphabet": "itu", "lenient": false]))
            #expect(post.status == .ok)
            #expect(post.json["morse"] as? String == "..-.. - ..-..")
        }
    }

    @Test func encodeErrors() async throws {
        try await withSQLiteWorker { client, _ in
            let missing = try await client.execute(uri: "/api/v1/encode", method: .get)
            #expect(missing.status == .badRequest)
            #expect(missing.error.code == "missing_parameter")
            #expect(missing.headers[Self.servedBy] == "test1")

            let unencodable = try await client.execute(uri: "/api/v1/encode?text=\("ab~c".query)", method: .get)
            #expect(unencodable.status == .unprocessableContent)
            #expect(unencodable.error.code == "unencodable_character")
            #expect(unencodable.error.position == 2)

            let lenient = try await client.execute(uri: "/api/v1/encode?text=\("a~".query)&lenient=true", method: .get)
            #expect(lenient.status == .ok)
            #expect(lenient.json["morse"] as? String == ".- #")
            let problems = lenient.json["problems"] as? [[String: Any]]
            #expect(problems?.first?["position"] as? Int == 1)

            let alphabet = try await client.execute(uri: "/api/v1/encode?text=a&alphabet=klingon", method: .get)
            #expect(alphabet.status == .badRequest)
            #expect(alphabet.error.code == "unknown_alphabet")

            let wpm = try await client.execute(uri: "/api/v1/encode?text=a&wpm=61", method: .get)
            #expect(wpm.status == .unprocessableContent)
            #expect(wpm.error.code == "parameter_out_of_range")

            let malformed = try await client.execute(
                uri: "/api/v1/encode", method: .post, body: ByteBuffer(string: "{\"text\": "))
            #expect(malformed.status == .badRequest)
            #expect(malformed.error.code == "malformed_request")

            let wrongType = try await client.execute(uri: "/api/v1/encode", method: .post, body: jsonBody(["text": 5]))
            #expect(wrongType.status == .badRequest)

            let noText = try await client.execute(
                uri: "/api/v1/encode", method: .post, body: jsonBody(["alphabet": "itu"]))
            #expect(noText.status == .badRequest)
            #expect(noText.error.code == "missing_parameter")

            let huge = String(repeating: "E", count: 64 * 1024 + 1)
            let tooLarge = try await client.execute(
                uri: "/api/v1/encode", method: .post, body: jsonBody(["text": huge]))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.error.code == "body_too_large")
            #expect(tooLarge.headers[Self.servedBy] == "test1")
        }
    }

    /// The encode answer's `timing`: what the audio of the same text at the same speeds gives each element and gap,
    /// Farnsworth gaps included. The page lights its tape by it, so it must agree with the WAV.
    @Test func encodeAnswersTheTimingOfTheSound() async throws {
        try await withSQLiteWorker { client, _ in
            let paris = ".--. .- .-. .. ..."
            let plain = try await client.execute(uri: "/api/v1/encode?text=PARIS", method: .get)
            #expect(plain.status == .ok)
            // The reference: PARIS is 2580 ms at 20 WPM without the trailing gap.
            #expect(plain.json["durationMs"] as? Double == 2580)
            let lengths = try #require(plain.json["timing"] as? [String: Double])
            #expect(
                lengths == [
                    "ditMs": 60, "dahMs": 180, "elementGapMs": 60, "letterGapMs": 180, "wordGapMs": 420, "leadMs": 2.5,
                ])

            // Farnsworth: characters at 20 WPM, gaps stretched to 10 WPM overall (ARRL: ta = 4.14 s, gaps 3·ta/19).
            let spaced = try await client.execute(
                uri: "/api/v1/encode", method: .post,
                body: jsonBody(["text": "PARIS", "wpm": 20, "farnsworth": 10]))
            #expect(spaced.status == .ok)
            let reference = try MorseTiming(wpm: 20, farnsworthWPM: 10)
            let spacedMs = try #require(spaced.json["durationMs"] as? Double)
            #expect(abs(spacedMs - reference.durationMs(of: paris)) < 1e-6)
            #expect(abs(spacedMs - 4474.74) < 0.01)
            let timing = try #require(spaced.json["timing"] as? [String: Double])
            #expect(timing["ditMs"] == 60 && timing["dahMs"] == 180 && timing["elementGapMs"] == 60)
            #expect(abs(timing["letterGapMs"]! - 3 * 4140 / 19.0) < 1e-6)
            #expect(abs(timing["wordGapMs"]! - 7 * 4140 / 19.0) < 1e-6)

            // The WAV of the same text at the same speeds: the lead, the signals, the lead again, in whole samples.
            let wav = try await client.execute(uri: "/api/v1/audio?text=PARIS&wpm=20&farnsworth=10", method: .get)
            let wavMs = try #require(wav.headers[.init("X-Audio-Duration-Ms")!].flatMap(Double.init))
            #expect(abs(wavMs - (spacedMs + 2 * timing["leadMs"]!)) <= 1)

            // The same by query, the lenient answer too; the lead is half a ramp of at most 150 / WPM ms.
            let fast = try await client.execute(
                uri: "/api/v1/encode?text=\("a~".query)&lenient=true&wpm=60&farnsworth=30", method: .get)
            #expect(fast.status == .ok)
            let fastTiming = try #require(fast.json["timing"] as? [String: Double])
            #expect(fastTiming["ditMs"] == 20 && fastTiming["leadMs"] == 1.25)
            let fastReference = try MorseTiming(wpm: 60, farnsworthWPM: 30)
            #expect(abs(fastTiming["letterGapMs"]! - fastReference.letterGapMs) < 1e-9)

            for (query, body) in [
                ("text=E&wpm=20&farnsworth=25", ["text": "E", "wpm": 20, "farnsworth": 25] as [String: Any]),
                ("text=E&farnsworth=4", ["text": "E", "farnsworth": 4]),
                ("text=E&wpm=61", ["text": "E", "wpm": 61]),
            ] {
                let get = try await client.execute(uri: "/api/v1/encode?\(query)", method: .get)
                #expect(get.status == .unprocessableContent, "\(query)")
                #expect(get.error.code == "parameter_out_of_range", "\(query)")
                let post = try await client.execute(uri: "/api/v1/encode", method: .post, body: jsonBody(body))
                #expect(post.status == .unprocessableContent, "\(body)")
                #expect(post.error.code == "parameter_out_of_range", "\(body)")
            }
        }
    }

    @Test func decode() async throws {
        try await withSQLiteWorker { client, _ in
            let get = try await client.execute(
                uri: "/api/v1/decode?morse=\("... --- ... / -.-. --.-".query)", method: .get)
            #expect(get.status == .ok)
            #expect(get.json["text"] as? String == "SOS CQ")
            let post = try await client.execute(
                uri: "/api/v1/decode", method: .post, body: jsonBody(["morse": ".-... / .-.-."]))
            #expect(post.json["text"] as? String == "<AS> +")

            let unknown = try await client.execute(uri: "/api/v1/decode?morse=\("... ........-".query)", method: .get)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.error.code == "unknown_code")
            #expect(unknown.error.position == 4)

            let invalid = try await client.execute(uri: "/api/v1/decode?morse=\("..x".query)", method: .get)
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.error.code == "invalid_morse_character")

            let lenient = try await client.execute(
                uri: "/api/v1/decode", method: .post, body: jsonBody(["morse": "... ........- ...", "lenient": true]))
            #expect(lenient.status == .ok)
            #expect(lenient.json["text"] as? String == "S#S")

            let missing = try await client.execute(uri: "/api/v1/decode", method: .get)
            #expect(missing.status == .badRequest)
            let malformed = try await client.execute(
                uri: "/api/v1/decode", method: .post, body: ByteBuffer(string: "[]"))
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func audio() async throws {
        try await withSQLiteWorker { client, _ in
            let wav = try await client.execute(uri: "/api/v1/audio?text=E&wpm=20&tone=600&rate=8000", method: .get)
            #expect(wav.status == .ok)
            #expect(wav.headers[.contentType] == "audio/wav")
            let expected = try MorseAudio(morse: ".", timing: MorseTiming(wpm: 20), toneHz: 600, sampleRate: 8000)
            #expect(wav.body.readableBytes == expected.wavByteCount)
            #expect(wav.headers[.contentLength] == String(expected.wavByteCount))
            #expect(Array(wav.body.readableBytesView.prefix(4)) == Array("RIFF".utf8))
            #expect(Array(wav.body.readableBytesView) == expected.wavData())

            let farnsworth = try await client.execute(
                uri: "/api/v1/audio?text=PARIS&wpm=20&farnsworth=10", method: .get)
            #expect(farnsworth.status == .ok)

            for (query, code) in [
                ("text=E&wpm=4", "parameter_out_of_range"), ("text=E&wpm=61", "parameter_out_of_range"),
                ("text=E&tone=199", "parameter_out_of_range"), ("text=E&tone=2001", "parameter_out_of_range"),
                ("text=E&rate=12345", "parameter_out_of_range"),
                ("text=E&wpm=20&farnsworth=25", "parameter_out_of_range"),
                ("text=\("~".query)", "unencodable_character"),
                ("text=\(String(repeating: "PARIS ", count: 40))&wpm=5", "audio_too_long"),
            ] {
                let response = try await client.execute(uri: "/api/v1/audio?\(query)", method: .get)
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.error.code == code, "\(query)")
            }
            let notNumber = try await client.execute(uri: "/api/v1/audio?text=E&wpm=fast", method: .get)
            #expect(notNumber.status == .badRequest)
            let missing = try await client.execute(uri: "/api/v1/audio", method: .get)
            #expect(missing.status == .badRequest)
        }
    }

    @Test func alphabets() async throws {
        try await withSQLiteWorker { client, _ in
            let response = try await client.execute(uri: "/api/v1/alphabets", method: .get)
            #expect(response.status == .ok)
            let list = try #require(response.json["alphabets"] as? [[String: Any]])
            #expect(list.first?["name"] as? String == "itu")
            #expect(list.first?["entries"] as? Int == Alphabet.ituEntries.count)
        }
    }

    @Test func messages() async throws {
        try await withSQLiteWorker { client, _ in
            let created = try await client.execute(
                uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "<b>Hi</b> & bye"]))
            // '<' and '>' cannot be sent in Morse.
            #expect(created.status == .unprocessableContent)

            let ok = try await client.execute(
                uri: "/api/v1/messages", method: .post, body: jsonBody(["text": "Meet at 5"]))
            #expect(ok.status == .created)
            let id = try #require(ok.json["id"] as? String)
            #expect(id.count == 22)
            #expect(ok.json["url"] as? String == "/m/\(id)")
            #expect(ok.json["morse"] as? String == "-- . . - / .- - / .....")
            #expect(ok.headers[.location] == "/m/\(id)")

            let read = try await client.execute(uri: "/api/v1/messages/\(id)", method: .get)
            #expect(read.status == .ok)
            #expect(read.json["text"] as? String == "Meet at 5")

            let page = try await client.execute(uri: "/m/\(id)", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("Meet at 5"))
            #expect(page.text.contains("-- . . - / .- - / ....."))

            let unknown = try await client.execute(uri: "/api/v1/messages/AAAAAAAAAAAAAAAAAAAAAA", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.error.code == "message_not_found")
            let malformedID = try await client.execute(uri: "/api/v1/messages/..%2Fetc", method: .get)
            #expect(malformedID.status == .notFound)
            let unknownPage = try await client.execute(uri: "/m/AAAAAAAAAAAAAAAAAAAAAA", method: .get)
            #expect(unknownPage.status == .notFound)
            #expect(unknownPage.text.contains("Message not found"))

            let malformed = try await client.execute(
                uri: "/api/v1/messages", method: .post, body: ByteBuffer(string: "x"))
            #expect(malformed.status == .badRequest)
        }
    }

    /// What lets the proxy resend a message write whose worker died before answering (docs/proxy.md).
    @Test func messageWritesAreIdempotentByKey() async throws {
        try await withSQLiteWorker { client, _ in
            func write(_ text: String, key: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/messages", method: .post, headers: [MessageRoutes.idempotencyKeyField: key],
                    body: jsonBody(["text": text]))
            }
            let first = try await write("Meet at 5", key: "0d7f5c1e-key")
            #expect(first.status == .created)
            let again = try await write("Meet at 5", key: "0d7f5c1e-key")
            #expect(again.status == .created)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            let reused = try await write("Another text", key: "0d7f5c1e-key")
            #expect(reused.status == .unprocessableContent)
            #expect(reused.error.code == "idempotency_key_reused")
            let bad = try await write("Meet at 5", key: String(repeating: "k", count: 256))
            #expect(bad.status == .badRequest)
            let other = try await write("Meet at 5", key: "another-key")
            #expect(other.json["id"] as? String != first.json["id"] as? String)
        }
    }

    @Test func unknownRouteIsJSON() async throws {
        try await withSQLiteWorker { client, _ in
            let response = try await client.execute(uri: "/nowhere", method: .get)
            #expect(response.status == .notFound)
            #expect(response.error.code == "not_found")
            #expect(response.headers[Self.servedBy] == "test1")
        }
    }

    @Test func messageIDsAreRandomAndURLSafe() {
        let ids = (0..<2000).map { _ in MessageID.make() }
        #expect(Set(ids).count == ids.count)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(ids.allSatisfy { $0.count == 22 && $0.allSatisfy(allowed.contains) })
        // 128 random bits: every one of the first 21 characters takes many values; the last carries 2 bits.
        for position in 0..<21 {
            #expect(Set(ids.map { Array($0)[position] }).count > 50)
        }
        #expect(Set(ids.map { Array($0)[21] }).count == 4)
    }
}
