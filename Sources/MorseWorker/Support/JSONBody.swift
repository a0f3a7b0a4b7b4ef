import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body of at most `limit` bytes: 413 beyond the limit, 400 when it is not the expected JSON.
    mutating func decodeJSON<Value: Decodable>(_ type: Value.Type, limit: Int) async throws(APIError) -> Value {
        let buffer = try await collectBody(limit: limit)
        do {
            return try JSONDecoder().decode(Value.self, from: Data(buffer.readableBytesView))
        } catch DecodingError.keyNotFound(let key, _) {
            throw .missingParameter(key.stringValue)
        } catch {
            throw .malformed("the body is not the expected JSON: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "'\(path)': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
