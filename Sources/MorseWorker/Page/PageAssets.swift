import Hummingbird

/// The page's scripts, style sheet and icon, served by the worker itself under `/static/`.
///
/// They are real files beside this one (`Assets/page.js`, `listen.js`, `recorder.js`, `page.css`, `icon.svg`), checked by
/// `scripts/lint-web.sh`, and compiled into the binary by SwiftPM (`.embedInCode` in `Package.swift`, which makes
/// `PackageResources`): the deployed worker has no files beside it. Their URLs carry a hash of their content, so a
/// browser may keep them for a year: a new build changes the URL.
enum PageAssets {
    struct Asset: Sendable {
        let path: String
        let contentType: String
        /// The file's bytes, as served.
        let body: ByteBuffer
        let etag: String
        /// The URL the page links: the path and the content hash.
        let versionedPath: String

        init(path: String, contentType: String, bytes: [UInt8]) {
            let hash = PageAssets.hash(bytes)
            self.path = path
            self.contentType = contentType
            self.body = ByteBuffer(bytes: bytes)
            self.etag = "\"\(hash)\""
            self.versionedPath = "\(path)?v=\(hash)"
        }
    }

    static let script = Asset(
        path: "/static/page.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.page_js)
    static let style = Asset(
        path: "/static/page.css", contentType: "text/css; charset=utf-8", bytes: PackageResources.page_css)
    static let icon = Asset(path: "/static/icon.svg", contentType: "image/svg+xml", bytes: PackageResources.icon_svg)
    /// The "From sound" panel, and the AudioWorklet it records the microphone with.
    static let listen = Asset(
        path: "/static/listen.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.listen_js)
    static let recorder = Asset(
        path: "/static/recorder.js", contentType: "text/javascript; charset=utf-8",
        bytes: PackageResources.recorder_js)
    static let all = [script, style, icon, listen, recorder]

    static var scriptPath: String { script.versionedPath }
    static var stylePath: String { style.versionedPath }
    static var iconPath: String { icon.versionedPath }

    /// FNV-1a, 64 bits, as 16 hex digits: enough to tell versions apart.
    static func hash(_ bytes: some Sequence<UInt8>) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
