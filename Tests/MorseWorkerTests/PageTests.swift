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
            #expect(page.text.contains("<form method=\"post\" action=\"/\""))
            #expect(page.text.contains("name=\"text\""))
            #expect(page.text.contains("value=\"encode\""))
            #expect(page.text.contains("value=\"decode\""))
            // Nothing is loaded from elsewhere.
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))
            #expect(!page.text.contains("<script"))
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
            #expect(decoded.text.contains("value=\"decode\" checked"))
        }
    }

    @Test func errorsAreInlineAndEscaped() async throws {
        try await withSQLiteWorker { client, _ in
            let hostile = "ok<img src=x onerror=alert(1)>"
            let response = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=\(hostile.query)&mode=encode"))
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("<p id=\"error\">cannot encode &quot;&lt;&quot; at position 2"))
            #expect(response.text.contains("ok<mark>&lt;</mark>img src=x onerror=alert(1)&gt;"))
            #expect(!response.text.contains("<img"))
            #expect(response.headers[HTTPField.Name("X-Served-By")!] == "test1")

            let badMorse = try await client.execute(
                uri: "/", method: .post, headers: Self.form, body: ByteBuffer(string: "text=...+..x&mode=decode"))
            #expect(badMorse.status == .unprocessableContent)
            #expect(badMorse.text.contains("invalid character"))
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
