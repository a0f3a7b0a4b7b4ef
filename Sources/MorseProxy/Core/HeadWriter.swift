/// Writes forwarded heads into an output buffer, straight from the spans of the received head.
enum HeadWriter {
    /// What the proxy adds to a request on its way to a backend.
    struct RequestAdditions {
        var clientAddress: UnsafeRawBufferPointer
        var requestID: UnsafeRawBufferPointer
        /// True when the proxy generated the id (the client sent none), so it must be added to the head.
        var generatedRequestID: Bool
        /// Replacement for `Host` when the target was in absolute-form (RFC 9112 §3.2.2), or when an HTTP/1.0
        /// client sent none; empty otherwise.
        var hostOverride: UnsafeRawBufferPointer
        var decrementedMaxForwards: Int

        init(
            clientAddress: UnsafeRawBufferPointer, requestID: UnsafeRawBufferPointer, generatedRequestID: Bool,
            hostOverride: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
            decrementedMaxForwards: Int = -1
        ) {
            self.clientAddress = clientAddress
            self.requestID = requestID
            self.generatedRequestID = generatedRequestID
            self.hostOverride = hostOverride
            self.decrementedMaxForwards = decrementedMaxForwards
        }
    }

    /// Request line and headers. Returns false when the output does not fit (the caller answers 431).
    static func writeRequest(
        into out: inout ByteBuffer, method: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer,
        base: UnsafeRawPointer, spans: UnsafeMutablePointer<HeaderSpan>, count: Int,
        verdict: HeadRules.Verdict, additions: RequestAdditions
    ) -> Bool {
        var ok = out.append(method.baseAddress!, method.count)
        ok = ok && out.append(" ") && out.append(target.baseAddress!, target.count) && out.append(" HTTP/1.1\r\n")
        if additions.hostOverride.count > 0 {
            ok = ok && out.append("Host: ") && append(&out, additions.hostOverride) && out.append("\r\n")
        }
        for index in 0..<count where ok {
            let span = spans[index]
            switch span.kind {
            case .forward, .contentLength, .requestID, .idempotencyKey:
                ok = writeField(&out, base, span)
            case .host:
                if additions.hostOverride.count == 0 { ok = writeField(&out, base, span) }
            case .maxForwards:
                if additions.decrementedMaxForwards >= 0 {
                    ok =
                        writeName(&out, base, span) && out.appendDecimal(additions.decrementedMaxForwards)
                        && out.append("\r\n")
                } else {
                    ok = writeField(&out, base, span)
                }
            case .drop, .transferEncoding, .forwardedFor, .forwardedProto:
                continue
            }
        }
        if verdict.chunked { ok = ok && out.append("Transfer-Encoding: chunked\r\n") }
        ok = ok && appendList(&out, "X-Forwarded-For: ", .forwardedFor, base, spans, count, additions.clientAddress)
        ok =
            ok
            && appendList(
                &out, "X-Forwarded-Proto: ", .forwardedProto, base, spans, count,
                UnsafeRawBufferPointer(start: httpLiteral.utf8Start, count: httpLiteral.utf8CodeUnitCount))
        if additions.generatedRequestID {
            ok = ok && out.append("X-Request-ID: ") && append(&out, additions.requestID) && out.append("\r\n")
        }
        // RFC 9110 §7.6.3: a gateway MUST send Via in each inbound request it forwards.
        return ok && out.append("Via: 1.1 morse-proxy\r\n\r\n")
    }

    static let httpLiteral: StaticString = "http"

    /// Status line and headers of a response on its way to the client.
    static func writeResponse(
        into out: inout ByteBuffer, status: Int, reason: UnsafeRawBufferPointer, base: UnsafeRawPointer,
        spans: UnsafeMutablePointer<HeaderSpan>, count: Int, verdict: HeadRules.Verdict, relayChunked: Bool,
        requestID: UnsafeRawBufferPointer, connection: ConnectionHeader
    ) -> Bool {
        var ok = out.append("HTTP/1.1 ") && out.appendDecimal(status) && out.append(" ")
        if reason.count > 0 { ok = ok && append(&out, reason) }
        ok = ok && out.append("\r\n")
        for index in 0..<count where ok {
            let span = spans[index]
            switch span.kind {
            case .drop, .transferEncoding: continue
            default: ok = writeField(&out, base, span)
            }
        }
        if relayChunked { ok = ok && out.append("Transfer-Encoding: chunked\r\n") }
        if verdict.requestIDIndex < 0 && requestID.count > 0 {
            ok = ok && out.append("X-Request-ID: ") && append(&out, requestID) && out.append("\r\n")
        }
        switch connection {
        case .none: break
        case .close: ok = ok && out.append("Connection: close\r\n")
        case .keepAlive: ok = ok && out.append("Connection: keep-alive\r\n")
        }
        return ok && out.append("\r\n")
    }

    enum ConnectionHeader: Sendable {
        case none
        case close
        case keepAlive
    }

    /// A complete response generated by the proxy itself (errors, Max-Forwards: 0). Always closes unless told.
    static func writeLocalResponse(
        into out: inout ByteBuffer, status: Int, body: String, requestID: UnsafeRawBufferPointer,
        close: Bool, headOnly: Bool = false, retryAfterSeconds: Int = 0
    ) -> Bool {
        var ok = out.append("HTTP/1.1 ") && out.appendDecimal(status) && out.append(" ")
        ok = ok && out.append(reasonPhrase(status)) && out.append("\r\nContent-Type: text/plain; charset=utf-8\r\n")
        ok = ok && out.append("Content-Length: ") && out.appendDecimal(body.utf8.count + 1) && out.append("\r\n")
        if retryAfterSeconds > 0 {
            ok = ok && out.append("Retry-After: ") && out.appendDecimal(retryAfterSeconds) && out.append("\r\n")
        }
        if requestID.count > 0 {
            ok = ok && out.append("X-Request-ID: ") && append(&out, requestID) && out.append("\r\n")
        }
        if close { ok = ok && out.append("Connection: close\r\n") }
        ok = ok && out.append("\r\n")
        if !headOnly { ok = ok && out.append(body) && out.append("\n") }
        return ok
    }

    static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Error"
        }
    }

    @inline(__always)
    static func writeField(_ out: inout ByteBuffer, _ base: UnsafeRawPointer, _ span: HeaderSpan) -> Bool {
        writeName(&out, base, span) && out.append(base + Int(span.valueStart), Int(span.valueLength))
            && out.append("\r\n")
    }

    @inline(__always)
    static func writeName(_ out: inout ByteBuffer, _ base: UnsafeRawPointer, _ span: HeaderSpan) -> Bool {
        out.append(base + Int(span.nameStart), Int(span.nameLength)) && out.append(": ")
    }

    @inline(__always)
    static func append(_ out: inout ByteBuffer, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let address = bytes.baseAddress else { return true }
        return out.append(address, bytes.count)
    }

    /// One combined line: the received values in order, then ours (RFC 9110 §5.3 lets lines be joined).
    static func appendList(
        _ out: inout ByteBuffer, _ prefix: StaticString, _ kind: HeaderKind, _ base: UnsafeRawPointer,
        _ spans: UnsafeMutablePointer<HeaderSpan>, _ count: Int, _ ours: UnsafeRawBufferPointer
    ) -> Bool {
        var ok = out.append(prefix)
        for index in 0..<count where spans[index].kind == kind && spans[index].valueLength > 0 {
            ok =
                ok && out.append(base + Int(spans[index].valueStart), Int(spans[index].valueLength)) && out.append(", ")
        }
        return ok && append(&out, ours) && out.append("\r\n")
    }
}
