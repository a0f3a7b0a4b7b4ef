/// RFC 9110/9112 rules for a received head, applied to spans in the input buffer without copying.
///
/// The parser (http_parser) finds the framing; these rules decide what is acceptable, what is hop-by-hop and
/// what the forwarded head looks like. Everything here is pure so the rules are unit-tested without sockets.
enum HeadRules {
    /// Outcome of checking a head. `status` 0 means acceptable; otherwise the status to answer with.
    struct Verdict: Sendable, Equatable {
        var status = 0
        var reason = ""
        var chunked = false
        var hasContentLength = false
        var hostIndex = -1
        var requestIDIndex = -1
        var maxForwardsIndex = -1
        /// The request carries an `Idempotency-Key`: the backend deduplicates it, so it may be resent.
        var hasIdempotencyKey = false
        var forwardedForCount = 0
        var forwardedProtoCount = 0

        init() {}

        mutating func fail(_ status: Int, _ reason: String) {
            if self.status == 0 {
                self.status = status
                self.reason = reason
            }
        }
    }

    /// Most heads name nothing in `Connection`; 16 names is generous and keeps the scratch on the stack.
    static let maxConnectionOptions = 16

    /// Checks a request head and marks each span's kind. `isHTTP10` is the client's version.
    static func checkRequest(
        base: UnsafeRawPointer, spans: UnsafeMutablePointer<HeaderSpan>, count: Int, isHTTP10: Bool
    ) -> Verdict {
        var verdict = classify(base: base, spans: spans, count: count, errorStatus: 400)
        if verdict.status != 0 { return verdict }
        if verdict.chunked && verdict.hasContentLength {
            // RFC 9112 §6.1: a likely smuggling attempt; "reject or repair" resolves to reject.
            verdict.fail(400, "both Content-Length and Transfer-Encoding")
        }
        if verdict.chunked && isHTTP10 { verdict.fail(400, "Transfer-Encoding in an HTTP/1.0 request") }
        if !isHTTP10 && verdict.hostIndex < 0 { verdict.fail(400, "missing Host header") }
        return verdict
    }

    /// Checks a response head from a backend; anything malformed becomes a 502 for the client.
    static func checkResponse(
        base: UnsafeRawPointer, spans: UnsafeMutablePointer<HeaderSpan>, count: Int
    ) -> Verdict {
        var verdict = classify(base: base, spans: spans, count: count, errorStatus: 502)
        if verdict.chunked && verdict.hasContentLength {
            verdict.fail(502, "backend sent both Content-Length and Transfer-Encoding")
        }
        return verdict
    }

    private static func classify(
        base: UnsafeRawPointer, spans: UnsafeMutablePointer<HeaderSpan>, count: Int, errorStatus: Int
    ) -> Verdict {
        var verdict = Verdict()
        var options: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var optionLengths: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var optionCount = 0
        var contentLength: UInt64 = 0

        // Two fixed-size scratch arrays of 16 Int32 pairs packed in the tuples above (no heap allocation).
        withUnsafeMutableBytes(of: &options) { optionStarts in
            withUnsafeMutableBytes(of: &optionLengths) { optionLens in
                let starts = optionStarts.bindMemory(to: Int32.self)
                let lens = optionLens.bindMemory(to: Int32.self)
                for index in 0..<count {
                    let span = spans[index]
                    let name = base + Int(span.nameStart)
                    let nameLength = Int(span.nameLength)
                    let value = base + Int(span.valueStart)
                    let valueLength = Int(span.valueLength)
                    guard HeaderBytes.isToken(name, nameLength) else {
                        verdict.fail(errorStatus, "invalid header name")
                        return
                    }
                    guard HeaderBytes.isFieldValue(value, valueLength) else {
                        verdict.fail(errorStatus, "invalid header value (control character or line folding)")
                        return
                    }
                    let kind = kind(of: name, nameLength)
                    spans[index].kind = kind
                    switch kind {
                    case .host:
                        if verdict.hostIndex >= 0 { verdict.fail(errorStatus, "more than one Host header") }
                        if !isValidHost(value, valueLength) { verdict.fail(errorStatus, "invalid Host header") }
                        verdict.hostIndex = index
                    case .contentLength:
                        guard let parsed = parseContentLength(value, valueLength) else {
                            verdict.fail(errorStatus, "invalid Content-Length")
                            return
                        }
                        if verdict.hasContentLength && parsed != contentLength {
                            verdict.fail(errorStatus, "conflicting Content-Length headers")
                        } else if verdict.hasContentLength {
                            verdict.fail(errorStatus, "duplicate Content-Length header")
                        }
                        verdict.hasContentLength = true
                        contentLength = parsed
                    case .transferEncoding:
                        let coding = transferCoding(value, valueLength)
                        switch coding {
                        case .chunked:
                            if verdict.chunked { verdict.fail(errorStatus, "chunked applied twice") }
                            verdict.chunked = true
                        case .chunkedNotLast:
                            verdict.fail(errorStatus, "chunked is not the final transfer coding")
                        case .unsupported:
                            verdict.fail(errorStatus == 400 ? 501 : errorStatus, "unsupported transfer coding")
                        }
                    case .drop:
                        if HeaderBytes.equals(name, nameLength, "connection") {
                            HeaderBytes.forEachListElement(value, valueLength) { option, length in
                                guard optionCount < maxConnectionOptions else {
                                    verdict.fail(errorStatus, "too many Connection options")
                                    return
                                }
                                starts[optionCount] = Int32(option - base)
                                lens[optionCount] = Int32(length)
                                optionCount += 1
                            }
                        }
                    case .requestID: verdict.requestIDIndex = index
                    case .maxForwards: verdict.maxForwardsIndex = index
                    case .idempotencyKey: verdict.hasIdempotencyKey = valueLength > 0
                    case .forwardedFor: verdict.forwardedForCount += 1
                    case .forwardedProto: verdict.forwardedProtoCount += 1
                    case .forward: break
                    }
                }
                if verdict.status != 0 || optionCount == 0 { return }
                // RFC 9110 §7.6.1: every header named in Connection is hop-by-hop too.
                for option in 0..<optionCount {
                    let optionPointer = base + Int(starts[option])
                    let optionLength = Int(lens[option])
                    if HeaderBytes.equals(optionPointer, optionLength, "close")
                        || HeaderBytes.equals(optionPointer, optionLength, "keep-alive")
                    {
                        continue
                    }
                    for index in 0..<count {
                        let span = spans[index]
                        guard
                            HeaderBytes.equalsIgnoringCase(
                                base + Int(span.nameStart), Int(span.nameLength), optionPointer, optionLength)
                        else { continue }
                        switch span.kind {
                        case .host, .contentLength, .transferEncoding:
                            // Dropping these would change the framing or the target: refuse instead.
                            verdict.fail(errorStatus, "Connection names an end-to-end framing header")
                            return
                        default:
                            spans[index].kind = .drop
                        }
                    }
                }
            }
        }
        return verdict
    }

    /// Hop-by-hop names (RFC 9110 §7.6.1) and the ones the proxy rewrites, by length to keep the compare short.
    @inline(__always)
    static func kind(of name: UnsafeRawPointer, _ length: Int) -> HeaderKind {
        switch length {
        case 2: return HeaderBytes.equals(name, length, "te") ? .drop : .forward
        case 4: return HeaderBytes.equals(name, length, "host") ? .host : .forward
        case 7: return HeaderBytes.equals(name, length, "upgrade") ? .drop : .forward
        case 10:
            if HeaderBytes.equals(name, length, "connection") { return .drop }
            if HeaderBytes.equals(name, length, "keep-alive") { return .drop }
            return .forward
        case 12:
            if HeaderBytes.equals(name, length, "x-request-id") { return .requestID }
            if HeaderBytes.equals(name, length, "max-forwards") { return .maxForwards }
            return .forward
        case 14: return HeaderBytes.equals(name, length, "content-length") ? .contentLength : .forward
        case 15:
            if HeaderBytes.equals(name, length, "x-forwarded-for") { return .forwardedFor }
            if HeaderBytes.equals(name, length, "idempotency-key") { return .idempotencyKey }
            return .forward
        case 16: return HeaderBytes.equals(name, length, "proxy-connection") ? .drop : .forward
        case 17:
            if HeaderBytes.equals(name, length, "transfer-encoding") { return .transferEncoding }
            if HeaderBytes.equals(name, length, "x-forwarded-proto") { return .forwardedProto }
            return .forward
        default: return .forward
        }
    }

    /// 1*DIGIT only (RFC 9110 §8.6): no sign, no spaces inside, no list. A list of equal values ("5, 5") is a
    /// "reject or repair" case and is rejected.
    static func parseContentLength(_ pointer: UnsafeRawPointer, _ length: Int) -> UInt64? {
        guard length > 0, length <= 18 else { return nil }
        var value: UInt64 = 0
        for index in 0..<length {
            let byte = pointer.load(fromByteOffset: index, as: UInt8.self)
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
        }
        return value
    }

    enum TransferCoding { case chunked, chunkedNotLast, unsupported }

    /// The proxy relays exactly one coding, `chunked`; anything else (gzip, identity lists) is refused, which
    /// RFC 9112 §6.1 permits (501) and which closes the door on TE obfuscation tricks.
    static func transferCoding(_ pointer: UnsafeRawPointer, _ length: Int) -> TransferCoding {
        var elements = 0
        var lastIsChunked = false
        var sawChunked = false
        HeaderBytes.forEachListElement(pointer, length) { element, elementLength in
            elements += 1
            lastIsChunked = HeaderBytes.equals(element, elementLength, "chunked")
            if lastIsChunked { sawChunked = true }
        }
        if elements == 1 && lastIsChunked { return .chunked }
        if sawChunked && !lastIsChunked { return .chunkedNotLast }
        return .unsupported
    }

    /// uri-host [":" port]: no whitespace, userinfo, path or query characters.
    static func isValidHost(_ pointer: UnsafeRawPointer, _ length: Int) -> Bool {
        for index in 0..<length {
            switch pointer.load(fromByteOffset: index, as: UInt8.self) {
            case 0x20, 0x09, 0x2F, 0x3F, 0x23, 0x40, 0x5C, 0x22, 0x3C, 0x3E, 0x7B, 0x7D, 0x7C, 0x5E, 0x60: return false
            default: continue
            }
        }
        return true
    }

    /// RFC 9110 §9.2.2 idempotent methods, by http_parser method number.
    static func isIdempotent(method: UInt32) -> Bool {
        switch method {
        case 0, 1, 2, 4, 6, 7: return true  // DELETE GET HEAD PUT OPTIONS TRACE
        default: return false
        }
    }
}
