import Hummingbird
import HummingbirdCore

/// A request's query parameters, parsed once (Hummingbird parses the query again on every
/// `uri.queryParameters`), read and bounded with the API's errors.
struct QueryParameters {
    private let values: FlatDictionary<Substring, Substring>

    init(_ request: Request) {
        values = request.uri.queryParameters
    }

    subscript(_ name: String) -> String? {
        values[name[...]].map(String.init)
    }

    func required(_ name: String) throws(APIError) -> String {
        guard let value = self[name] else { throw .missingParameter(name) }
        return value
    }

    func flag(_ name: String) throws(APIError) -> Bool {
        switch self[name] {
        case nil, "false", "0", "": return false
        case "true", "1": return true
        case .some(let other): throw .malformed("parameter '\(name)' must be true or false, not '\(other)'")
        }
    }

    /// A number in `range`; 400 when it is not a number, 422 when it is out of range.
    func number(_ name: String, default value: Double?, in range: ClosedRange<Double>) throws(APIError) -> Double? {
        guard let text = self[name], !text.isEmpty else { return value }
        guard let number = Double(text), number.isFinite else {
            throw .malformed("parameter '\(name)' must be a number, not '\(text)'")
        }
        guard range.contains(number) else {
            throw .outOfRange(name, "\(text) is outside \(range.lowerBound.clean)-\(range.upperBound.clean)")
        }
        return number
    }
}

extension Request {
    /// The body, at most `limit` bytes (413 beyond).
    mutating func collectBody(limit: Int) async throws(APIError) -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch {
            throw .tooLarge(limit: limit)
        }
    }
}

extension Double {
    /// `20` rather than `20.0` in messages.
    var clean: String { self == rounded() ? String(Int(self)) : String(self) }
}
