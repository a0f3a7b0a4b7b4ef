import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange as the tools count it: what came back, who served it, how long it took, or why it failed.
struct Exchange: Sendable {
    var status: Int?
    var servedBy: String?
    var body: Data
    var seconds: Double
    /// A transport failure (refused, reset, timed out), when there was no response.
    var transportError: String?

    var succeeded: Bool { transportError == nil && (200..<300).contains(status ?? 0) }

    /// One line for reports: `POST /api/v1/encode → 502 from web2` or `→ connection refused`.
    var summary: String {
        if let transportError { return transportError }
        return "HTTP \(status ?? 0)" + (servedBy.map { " from \($0)" } ?? "")
            + (body.isEmpty ? "" : ": " + String(decoding: body.prefix(200), as: UTF8.self))
    }
}

/// A small JSON-over-HTTP client on Foundation's URLSession, with keep-alive connections shared by all tasks.
final class APIClient: Sendable {
    let baseURL: URL
    private let session: URLSession

    init(baseURL: URL, connections: Int, timeout: Double) {
        self.baseURL = baseURL
        session = .cluster(connections: connections, timeout: timeout)
    }

    func get(_ path: String, query: [String: String] = [:]) async -> Exchange {
        await send(URLRequest(url: baseURL.cluster(path: path, query: query)))
    }

    /// A POST with a fresh `Idempotency-Key` (see ``URLRequest/jsonPost(_:json:idempotencyKey:)``).
    func post(_ path: String, json: [String: any Sendable]) async -> Exchange {
        await send(.jsonPost(baseURL.appendingPathComponent(path), json: json))
    }

    private func send(_ request: URLRequest) async -> Exchange {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        do {
            let (data, response) = try await session.data(for: request)
            let http = response as? HTTPURLResponse
            return Exchange(
                status: http?.statusCode, servedBy: http?.value(forHTTPHeaderField: "X-Served-By"), body: data,
                seconds: elapsed(), transportError: nil)
        } catch {
            let method = request.httpMethod ?? "GET"
            return Exchange(
                status: nil, servedBy: nil, body: Data(), seconds: elapsed(),
                transportError: "\(method) \(request.url?.path ?? ""): \(error.localizedDescription)")
        }
    }
}

extension Exchange {
    /// The response body as a JSON object, or nil.
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

extension URLRequest {
    /// A POST of `json`, with a fresh `Idempotency-Key` unless `idempotencyKey` is false: with one, the proxy may
    /// resend the request to another worker when the first one dies mid-request, and the worker writes a message
    /// once per key (docs/proxy.md, "Retries"). Every write the tools send is built here.
    static func jsonPost(_ url: URL, json: [String: any Sendable], idempotencyKey: Bool = true) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if idempotencyKey { request.setValue(UUID().uuidString, forHTTPHeaderField: "Idempotency-Key") }
        request.httpBody = try? JSONSerialization.data(withJSONObject: json)
        return request
    }
}

extension URLSession {
    /// A session for talking to a cluster: at most `connections` keep-alive connections, no cache, one timeout.
    static func cluster(connections: Int, timeout: Double) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connections
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }
}

extension URL {
    /// `path` under this URL with `query`, `+` percent-encoded since most servers read it as a space.
    func cluster(path: String, query: [String: String] = [:]) -> URL {
        var components = URLComponents(url: appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty {
            components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        return components.url!
    }
}
