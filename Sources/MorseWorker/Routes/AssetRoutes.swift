import HTTPTypes
import Hummingbird

/// `GET /static/page.js`, `/static/page.css` and `/static/icon.svg`: the page's only assets, compiled into the worker.
///
/// Long-lived caching (the page links them with a content hash), an ETag, and `304 Not Modified` on a match.
struct AssetRoutes: Sendable {
    func register(on router: Router<some RequestContext>) {
        for asset in PageAssets.all {
            router.get(RouterPath(asset.path)) { request, _ in
                Self.response(asset, request: request)
            }
        }
    }

    static func response(_ asset: PageAssets.Asset, request: Request) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        headers[.xContentTypeOptions] = "nosniff"
        let tags = (request.headers[.ifNoneMatch] ?? "").split(separator: ",").map { $0.filter { $0 != " " } }
        if tags.contains(asset.etag) || tags.contains("*") {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.body))
    }
}
