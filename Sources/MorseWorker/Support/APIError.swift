import Hummingbird
import MorseCode
import MorseStore

/// An error as the API shows it: `{"error": {"code", "message", "position"?}}` with its status.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var position: Int?
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(body, status: status, headers: headers)
    }

    var body: [UInt8] {
        var error: [UInt8]
        if let position {
            error = JSONWriter.object(["code": .string(code), "message": .string(message), "position": .int(position)])
        } else {
            error = JSONWriter.object(["code": .string(code), "message": .string(message)])
        }
        return JSONWriter.object(["error": .raw(error)])
    }
}

extension APIError {
    static func malformed(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "malformed_request", message: message)
    }

    static func missingParameter(_ name: String) -> APIError {
        APIError(status: .badRequest, code: "missing_parameter", message: "parameter '\(name)' is required")
    }

    static func outOfRange(_ name: String, _ message: String) -> APIError {
        APIError(status: .unprocessableContent, code: "parameter_out_of_range", message: "\(name): \(message)")
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "body_too_large", message: "request body is over \(limit) bytes")
    }

    /// A text the alphabet cannot send, or Morse it cannot read, at a character position.
    static func coding(_ error: MorseError) -> APIError {
        APIError(
            status: .unprocessableContent, code: error.kind.rawValue, message: error.description,
            position: error.position)
    }

    static func unavailable(_ error: StoreUnavailable, retryAfter: Duration) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfter.wholeSecondsRoundedUp)
        return APIError(
            status: .serviceUnavailable, code: "store_unavailable",
            message: "the database is unavailable, nothing was stored; retry later", headers: headers)
    }

    static func alphabet(_ failure: AlphabetSource.Failure, retryAfter: Duration) -> APIError {
        switch failure {
        case .unknownAlphabet(let name):
            APIError(
                status: .badRequest, code: "unknown_alphabet",
                message: "no alphabet named '\(name)'; see /api/v1/alphabets")
        case .invalidRows(let error):
            APIError(
                status: .internalServerError, code: "alphabet_invalid",
                message: "the alphabet table is inconsistent: \(error)")
        case .unavailable(let error): .unavailable(error, retryAfter: retryAfter)
        }
    }

    static func notFound(_ message: String, code: String = "not_found") -> APIError {
        APIError(status: .notFound, code: code, message: message)
    }
}
