import CoreMetrics
import HTTPTypes
import Hummingbird
import Logging
import MorseStore

/// The cluster's write path: `POST /api/v1/messages`, `GET /api/v1/messages/{id}`.
///
/// A message is written in one statement, so a failed write leaves nothing behind; any worker reads what any
/// other wrote, since they share the database.
struct MessageRoutes: Sendable {
    let dependencies: WorkerDependencies

    struct CreateBody: Decodable {
        var text: String
        var alphabet: String?
    }

    func register(on router: Router<some RequestContext>) {
        router.post("/api/v1/messages") { request, _ in
            var request = request
            let key = try Self.idempotencyKey(request.headers[Self.idempotencyKeyField])
            let body = try await request.decodeJSON(CreateBody.self, limit: dependencies.configuration.bodyLimit)
            return try await create(text: body.text, alphabet: body.alphabet ?? "itu", idempotencyKey: key)
        }
        router.get("/api/v1/messages/{id}") { _, context in
            let message = try await find(context.parameters.get("id") ?? "")
            return Response.json(Self.json(message))
        }
    }

    func create(text: String, alphabet: String, idempotencyKey: String? = nil) async throws(APIError) -> Response {
        let message = try await store(text: text, alphabet: alphabet, idempotencyKey: idempotencyKey)
        var headers = HTTPFields()
        headers[.location] = "/m/\(message.id)"
        return .json(
            JSONWriter.object([
                "id": .string(message.id), "morse": .string(message.morse), "url": .string("/m/\(message.id)"),
            ]), status: .created, headers: headers)
    }

    /// Encodes and stores a message; shared with the page's Share button. A repeated idempotency key returns the
    /// message its first use stored (201 again, same id), and is refused if it came with another text.
    func store(text: String, alphabet: String, idempotencyKey: String? = nil) async throws(APIError) -> StoredMessage {
        let encoded = try await dependencies.translator.encode(text, alphabet: alphabet, lenient: false)
        let message = StoredMessage(
            id: MessageID.make(), text: text, morse: encoded.morse, alphabet: alphabet,
            createdAt: Int64(Duration.sinceEpoch.components.seconds * 1000))
        let stored: StoredMessage
        do {
            stored = try await dependencies.store.insert(message, idempotencyKey: idempotencyKey)
        } catch let error as StoreUnavailable {
            dependencies.logger.warning("message not stored", metadata: ["error": "\(error)"])
            throw .unavailable(error, retryAfter: dependencies.configuration.retryAfter)
        } catch {
            throw .unavailable(
                StoreUnavailable(operation: "message write", reason: "\(error)"),
                retryAfter: dependencies.configuration.retryAfter)
        }
        guard stored.text == message.text, stored.alphabet == message.alphabet else {
            throw APIError(
                status: .unprocessableContent, code: "idempotency_key_reused",
                message: "this Idempotency-Key was already used for another message")
        }
        if stored.id == message.id { dependencies.metrics.messagesWritten.increment() }
        return stored
    }

    static let idempotencyKeyField = HTTPField.Name("Idempotency-Key")!

    /// 1 to 255 visible ASCII characters (the IETF httpapi draft leaves the form to the server), or none.
    static func idempotencyKey(_ value: String?) throws(APIError) -> String? {
        guard let value else { return nil }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .malformed("Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        return value
    }

    func find(_ id: String) async throws(APIError) -> StoredMessage {
        let notFound = APIError.notFound("no message with id '\(id)'", code: "message_not_found")
        guard MessageID.isWellFormed(id) else { throw notFound }
        let found: StoredMessage?
        do {
            found = try await dependencies.store.message(id: id)
        } catch let error as StoreUnavailable {
            throw .unavailable(error, retryAfter: dependencies.configuration.retryAfter)
        } catch {
            throw .unavailable(
                StoreUnavailable(operation: "message read", reason: "\(error)"),
                retryAfter: dependencies.configuration.retryAfter)
        }
        guard let found else { throw notFound }
        return found
    }

    static func json(_ message: StoredMessage) -> [UInt8] {
        JSONWriter.object([
            "id": .string(message.id), "text": .string(message.text), "morse": .string(message.morse),
            "alphabet": .string(message.alphabet), "createdAt": .int(Int(message.createdAt)),
            "url": .string("/m/\(message.id)"),
        ])
    }
}
