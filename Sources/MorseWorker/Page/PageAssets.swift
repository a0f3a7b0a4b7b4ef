/// The page's script and style sheet, served by the worker itself under `/static/`.
///
/// Their URLs carry a hash of their content, so a browser may keep them for a year: a new build changes the URL.
enum PageAssets {
    struct Asset: Sendable {
        let path: String
        let contentType: String
        let body: String
        let etag: String

        init(path: String, contentType: String, body: String) {
            self.path = path
            self.contentType = contentType
            self.body = body
            self.etag = "\"\(PageAssets.hash(body))\""
        }

        /// The URL the page links: the path and the content hash.
        var versionedPath: String { "\(path)?v=\(etag.dropFirst().dropLast())" }
    }

    static let script = Asset(
        path: "/static/page.js", contentType: "text/javascript; charset=utf-8", body: PageScript.js)
    static let style = Asset(path: "/static/page.css", contentType: "text/css; charset=utf-8", body: PageStyle.css)
    static let icon = Asset(path: "/static/icon.svg", contentType: "image/svg+xml", body: iconSVG)
    static let all = [script, style, icon]

    /// A dit, a dah and a lit dit: the page's mark.
    private static let iconSVG = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/>\
        <circle cx="8" cy="16" r="3" fill="#fff"/><rect x="13" y="13" width="10" height="6" rx="3" fill="#fff"/>\
        <circle cx="27" cy="16" r="3" fill="#f59e0b"/></svg>
        """

    static var scriptPath: String { script.versionedPath }
    static var stylePath: String { style.versionedPath }
    static var iconPath: String { icon.versionedPath }

    /// FNV-1a, 64 bits, as 16 hex digits: enough to tell versions apart.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
