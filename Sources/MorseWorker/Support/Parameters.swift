import Hummingbird

/// Reading and bounding request parameters, with the API's errors.
extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    func requiredQuery(_ name: String) throws(APIError) -> String {
        guard let value = query(name) else { throw .missingParameter(name) }
        return value
    }

    func queryFlag(_ name: String) throws(APIError) -> Bool {
        switch query(name) {
        case nil, "false", "0", "": return false
        case "true", "1": return true
        case .some(let other): throw .malformed("parameter '\(name)' must be true or false, not '\(other)'")
        }
    }

    /// A number in `range`; 400 when it is not a number, 422 when it is out of range.
    func queryNumber(_ name: String, default value: Double?, in range: ClosedRange<Double>) throws(APIError) -> Double?
    {
        guard let text = query(name), !text.isEmpty else { return value }
        guard let number = Double(text), number.isFinite else {
            throw .malformed("parameter '\(name)' must be a number, not '\(text)'")
        }
        guard range.contains(number) else {
            throw .outOfRange(name, "\(text) is outside \(range.lowerBound.clean)-\(range.upperBound.clean)")
        }
        return number
    }

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
