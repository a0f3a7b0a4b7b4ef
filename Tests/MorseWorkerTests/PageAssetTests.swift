import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MorseWorker

/// The page's script and style sheet, and what the form carries besides the text.
@Suite("Page assets and form settings")
struct PageAssetTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func assetsAreServedWithLongCaching() async throws {
        try await withSQLiteWorker { client, _ in
            for asset in PageAssets.all {
                let response = try await client.execute(uri: asset.versionedPath, method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == asset.contentType)
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.headers[.eTag] == asset.etag)
                #expect(response.body == asset.body)

                let again = try await client.execute(
                    uri: asset.path, method: .get, headers: [.ifNoneMatch: asset.etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
            }
            // Nothing from elsewhere in either.
            let script = String(buffer: PageAssets.script.body)
            let style = String(buffer: PageAssets.style.body)
            #expect(!script.contains("http://") && !style.contains("url("))
        }
    }

    /// The assets are the files in `Sources/MorseWorker/Page/Assets`, byte for byte, compiled into the binary.
    @Test func assetsAreTheFilesCompiledIn() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/MorseWorker/Page/Assets").standardized
        for (asset, file) in [
            (PageAssets.script, "page.js"), (PageAssets.style, "page.css"), (PageAssets.icon, "icon.svg"),
            (PageAssets.listen, "listen.js"), (PageAssets.recorder, "recorder.js"),
        ] {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(file))
            #expect(Array(asset.body.readableBytesView) == Array(bytes), "\(file)")
            #expect(asset.etag == "\"\(PageAssets.hash(bytes))\"")
        }
        #expect(String(buffer: PageAssets.script.body).contains("/api/v1/encode"))
        #expect(String(buffer: PageAssets.style.body).contains("prefers-color-scheme"))
        #expect(String(buffer: PageAssets.icon.body).hasPrefix("<svg"))
        #expect(String(buffer: PageAssets.listen.body).contains("/api/v1/decode/audio"))
        #expect(String(buffer: PageAssets.recorder.body).contains("registerProcessor('morse-recorder'"))
    }

    @Test func versionedPathsFollowTheContent() {
        #expect(PageAssets.scriptPath.hasPrefix("/static/page.js?v="))
        #expect(PageAssets.stylePath.hasPrefix("/static/page.css?v="))
        #expect(PageAssets.iconPath.hasPrefix("/static/icon.svg?v="))
        #expect(PageAssets.hash("a".utf8) != PageAssets.hash("b".utf8))
        #expect(PageAssets.hash([UInt8]()).count == 16)
    }

    @Test func formCarriesTheActionAlphabetAndSound() async throws {
        try await withSQLiteWorker { client, _ in
            let decoded = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=...+---+...&action=decode&alphabet=itu&wpm=25&farnsworth=15&tone=700"))
            #expect(decoded.status == .ok)
            #expect(decoded.text.contains("<pre id=\"result\">SOS</pre>"))
            #expect(decoded.text.contains("<h2 id=\"result-title\">Text</h2>"))
            // The sound of the result, at the chosen settings, to play and to download.
            let audio = "/api/v1/audio?text=SOS&amp;wpm=25&amp;farnsworth=15&amp;tone=700"
            #expect(decoded.text.contains("<audio id=\"audio\" controls preload=\"metadata\" src=\"\(audio)\">"))
            #expect(decoded.text.contains("href=\"\(audio)\">Download WAV</a>"))
            #expect(decoded.text.contains("id=\"wpm\" name=\"wpm\" type=\"number\""))
            #expect(decoded.text.contains("value=\"25\""))

            // Out-of-range settings are kept within the audio route's bounds; Farnsworth above speed is dropped.
            let clamped = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=E&action=encode&wpm=500&farnsworth=70&tone=5"))
            #expect(clamped.text.contains("/api/v1/audio?text=E&amp;wpm=60&amp;tone=200"))
        }
    }

    @Test func unknownAlphabetIsAnInlineError() async throws {
        try await withSQLiteWorker { client, _ in
            let response = try await client.execute(
                uri: "/", method: .post, headers: Self.form,
                body: ByteBuffer(string: "text=SOS&action=encode&alphabet=klingon"))
            #expect(response.status == .badRequest)
            #expect(response.text.contains("No alphabet named &#39;klingon&#39;"))
        }
    }

    @Test func textInTheQueryPrefillsTheField() async throws {
        try await withSQLiteWorker { client, _ in
            let page = try await client.execute(uri: "/?text=CQ%20DX%20%3Cb%3E", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains(">CQ DX &lt;b&gt;</textarea>"))
        }
    }

    @Test func sharedMessageOpensInTheTranslator() async throws {
        try await withSQLiteWorker { client, _ in
            let shared = try await client.execute(
                uri: "/", method: .post, headers: Self.form, body: ByteBuffer(string: "text=CQ+DX&action=share"))
            let location = try #require(shared.headers[.location])
            let page = try await client.execute(uri: location, method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("<pre id=\"result\">-.-. --.- / -.. -..-</pre>"))
            #expect(page.text.contains("data-morse=\"-.-. --.- / -.. -..-\""))
            #expect(page.text.contains("value=\"\(location)\""))

            let missing = try await client.execute(uri: "/m/doesnotexist", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("Message not found"))
        }
    }
}
