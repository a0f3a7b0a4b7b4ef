import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request of a load run as it ended: a response (any status), or a transport error and no response.
struct LoadResponse: Sendable {
    var status: Int?
    var servedBy: String?
    /// `X-Worker-Version`: which build of the worker answered (a rolling deploy changes it worker by worker).
    var version: String?
    var body: Data
    var seconds: Double
    /// Refused, reset, closed, timed out...: the short kind, and the full text for examples.
    var transportKind: String?
    var transportError: String?

    var succeeded: Bool { transportKind == nil && (200..<300).contains(status ?? 0) }

    /// How a failure is counted: `HTTP 502` or `connection: refused`.
    var failureKind: String? {
        if let transportKind { return "connection: \(transportKind)" }
        return succeeded ? nil : "HTTP \(status ?? 0)"
    }

    var detail: String {
        if let transportError { return transportError }
        return "HTTP \(status ?? 0)" + (servedBy.map { " from \($0)" } ?? "")
            + (body.isEmpty ? "" : ": " + String(decoding: body.prefix(200), as: UTF8.self))
    }

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// The load generator's HTTP client: Foundation's URLSession with at most `connections` keep-alive connections to
/// the target, one request per lane at a time. Unlike `APIClient` it reads the worker's version header and sorts
/// transport errors into kinds.
final class LoadClient: Sendable {
    let baseURL: URL
    private let session: URLSession

    init(baseURL: URL, connections: Int, timeout: Double) {
        self.baseURL = baseURL
        session = .cluster(connections: connections, timeout: timeout)
    }

    /// `GET /api/v1/encode?text=...`
    func encode(_ text: String) async -> LoadResponse {
        await send(URLRequest(url: baseURL.cluster(path: "api/v1/encode", query: ["text": text])))
    }

    /// `POST /api/v1/messages` with `{"text": ...}`, and a fresh `Idempotency-Key` unless `withKey` is false (a
    /// write the proxy then cannot resend: the hard case some tests must show).
    func createMessage(_ text: String, withKey: Bool) async -> LoadResponse {
        await send(
            .jsonPost(baseURL.appendingPathComponent("api/v1/messages"), json: ["text": text], idempotencyKey: withKey))
    }

    private func send(_ request: URLRequest) async -> LoadResponse {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        do {
            let (data, response) = try await session.data(for: request)
            let http = response as? HTTPURLResponse
            return LoadResponse(
                status: http?.statusCode, servedBy: http?.value(forHTTPHeaderField: "X-Served-By"),
                version: http?.value(forHTTPHeaderField: "X-Worker-Version"), body: data, seconds: elapsed())
        } catch {
            let method = request.httpMethod ?? "GET"
            return LoadResponse(
                status: nil, servedBy: nil, version: nil, body: Data(), seconds: elapsed(),
                transportKind: Self.kind(of: error),
                transportError: "\(method) \(request.url?.path ?? ""): \(error.localizedDescription)")
        }
    }

    /// A short, stable name for a transport error, to count by.
    static func kind(of error: any Error) -> String {
        guard let code = (error as? URLError)?.code else { return "\(type(of: error))" }
        switch code {
        case .cannotConnectToHost: return "refused"
        case .networkConnectionLost: return "connection lost"
        case .timedOut: return "timed out"
        case .badServerResponse: return "bad server response"
        case .cannotFindHost: return "unknown host"
        case .notConnectedToInternet: return "no route"
        case .cancelled: return "cancelled"
        default: return "URLError \(code.rawValue)"
        }
    }
}
