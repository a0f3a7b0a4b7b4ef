import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MorseWorker

/// The page without JavaScript: the form posts back, the result or the error comes back in the HTML.
@Suite("Page")
struct PageTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func pageHasTheForm() async throws {
        try await withSQLiteWorker { client, _ in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<form id=\"translator\" method=\"post\" action=\"/\""))
            #expect(page.text.contains("name=\"text\""))
            #expect(page.text.contains("value=\"encode\""))
            #expect(page.text.contains("value=\"decode\""))
            // Nothing is loaded from elsewhere.
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))
            // The only scripts and style sheet are the worker's own, linked with a content hash.
            #expect(page.text.contains("<script src=\"\(PageAssets.scriptPath)\" defer></script>"))
            #expect(page.text.contains("<script src=\"\(PageAssets.listen.versionedPath)\" defer></script>"))
            #expect(page.text.contains("<link rel=\"stylesheet\" href=\"\(PageAssets.stylePath)\">"))
            #expect(page.text.ranges(of: "<script").count == 2)
            // "From sound": its limit and its recorder from the worker, and the API named for a page without script.
            #expect(page.text.contains("data-upload-limit=\"8388608\""))
            #expect(page.text.contains("data-recorder=\"\(PageAssets.recorder.versionedPath)\""))
            #expect(page.text.contains("--data-binary @morse.wav /api/v1/decode/audio"))
            // Labels for every control, and a live region for errors.
            for id in ["text", "alphabet", "wpm", "farnsworth", "tone"] {
                #expect(page.text.contains("<label for=\"\(id)\"") || page.text.contains("for=\"\(id)\">"))
            }
            #expect(page.text.contains("id=\"error\" class=\"error-message\" role=\"alert\""))
        }
    }

    @Test func formRoundTrip() async throws {
        try await withSQLiteWorker { client, _ in
            let encoded = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=Hello%2C+World%21&mode=encode"))
            #expect(encoded.status == .ok)
            let morse = ".... . .-.. .-.. --- --..-- / .-- --- .-. .-.. -.. -.-.--"
            #expect(encoded.text.contains("<pre id=\"result\">\(morse)</pre>"))
            // The input stays in the field.
            #expect(encoded.text.contains(">Hello, World!</textarea>"))

            let body = "text=" + morse.query + "&mode=decode"
            let decoded = try await client.execute(
                uri: "/", method: .post, headers: Self.form, body: ByteBuffer(string: body))
            #expect(decoded.status == .ok)
            #expect(decoded.text.contains("<pre id=\"result\">HELLO, WORLD!</pre>"))
            #expect(decoded.text.contains("<h2 id=\"result-title\">Text</h2>"))
            // The direction asked stays the primary button.
            #expect(decoded.text.contains("value=\"decode\" id=\"decode\" class=\"primary\""))
        }
    }

    @Test func errorsAreInlineAndEscaped() async throws {
        try await withSQLiteWorker { client, _ in
            let hostile = "ok<img src=x onerror=alert(1)>"
            let response = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=\(hostile.query)&mode=encode"))
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("aria-live=\"assertive\">Cannot encode &quot;&lt;&quot; at position 2"))
            // The offending character is marked in the backdrop behind the text area.
            #expect(response.text.contains("ok<mark>&lt;</mark>img src=x onerror=alert(1)&gt;"))
            #expect(response.text.contains("aria-invalid=\"true\""))
            #expect(!response.text.contains("<img"))
            #expect(response.headers[HTTPField.Name("X-Served-By")!] == "test1")

            let badMorse = try await client.execute(
                uri: "/", method: .post, headers: Self.form, body: ByteBuffer(string: "text=...+..x&mode=decode"))
            #expect(badMorse.status == .unprocessableContent)
            #expect(badMorse.text.contains("Invalid character &quot;x&quot; at position 6"))
            #expect(badMorse.text.contains("... ..<mark>x</mark>"))
        }
    }

    @Test func shareRedirectsToTheMessagePage() async throws {
        try await withSQLiteWorker { client, _ in
            let shared = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=%22Quoted%22+%26+fine&action=share"))
            #expect(shared.status == .seeOther)
            let location = try #require(shared.headers[.location])
            #expect(location.hasPrefix("/m/"))
            let page = try await client.execute(uri: location, method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("&quot;Quoted&quot; &amp; fine"))
        }
    }
}
