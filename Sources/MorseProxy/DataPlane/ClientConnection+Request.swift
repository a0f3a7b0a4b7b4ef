import CLibevent
import Glibc
import Logging

/// Request side: parse the head, check it, rewrite it into `reqOut`, stream the body, pick a backend.
extension ClientConnection {
    func processInput() {
        while true {
            switch phase {
            case .idle:
                guard inBuf.readable > 0 else { return }
                startRequest()
            case .head:
                parseHead()
                return
            case .body:
                forwardBody()
                return
            case .awaiting, .closing:
                return
            }
        }
    }

    private func startRequest() {
        phase = .head
        inBuf.compact()
        takeScratch()
        parse.reset()
        parse.base = inBuf.base
        parsePos = 0
        // Nothing of the previous request survives: a new exchange starts from its defaults.
        exchange = Exchange(requestStartNs: Clock.nanoseconds())
        deadline = proxy.now + Int64(proxy.config.clientHeaderTimeoutMs)
    }

    private func parseHead() {
        let consumed = parse.execute(inBuf.base + parsePos, inBuf.writeIndex - parsePos)
        parsePos += consumed
        if parse.hasError {
            respondToParseError()
            return
        }
        if !parse.headersComplete {
            if parsePos > proxy.config.maxHeaderBytes {
                respondLocally(
                    431, "request header section larger than \(proxy.config.maxHeaderBytes) bytes", close: true)
            } else if inBuf.writeIndex == inBuf.capacity {
                // A head larger than one chunk: move it to a buffer sized for the limit (offsets stay valid).
                guard proxy.buffers.grow(&inBuf, to: proxy.largeInputCapacity), inBuf.writableTail > 0 else {
                    respondLocally(
                        431, "request header section larger than \(proxy.config.maxHeaderBytes) bytes", close: true)
                    return
                }
                parse.base = inBuf.base
            }
            return
        }
        if parsePos > proxy.config.maxHeaderBytes {
            respondLocally(431, "request header section larger than \(proxy.config.maxHeaderBytes) bytes", close: true)
            return
        }
        handleHead()
    }

    private func respondToParseError() {
        switch http_errno(parse.errorCode) {
        case HPE_HEADER_OVERFLOW:
            respondLocally(431, "request header section too large", close: true)
        case HPE_INVALID_VERSION:
            // 505 is for a version above 1.1; anything else malformed around the version is a bad request line.
            let parser = parse.parser.pointee
            if parser.http_major > 1 || (parser.http_major == 1 && parser.http_minor > 1) {
                respondLocally(505, "only HTTP/1.0 and HTTP/1.1 are supported", close: true)
            } else {
                respondLocally(400, "malformed request line", close: true)
            }
        case HPE_INVALID_METHOD:
            respondLocally(400, "malformed request line", close: true)
        case HPE_UNEXPECTED_CONTENT_LENGTH:
            respondLocally(400, "conflicting Content-Length / Transfer-Encoding", close: true)
        case HPE_INVALID_CONTENT_LENGTH:
            respondLocally(400, "invalid Content-Length", close: true)
        default:
            respondLocally(400, "malformed request (\(parse.errorName))", close: true)
        }
    }

    private func handleHead() {
        let parser = parse.parser.pointee
        exchange.isHTTP10 = parser.http_major == 1 && parser.http_minor == 0
        guard parser.http_major == 1, parser.http_minor <= 1 else {
            respondLocally(505, "only HTTP/1.0 and HTTP/1.1 are supported", close: true)
            return
        }
        let method = UInt32(parser.method)
        exchange.isHeadRequest = method == HTTP_HEAD.rawValue
        exchange.idempotent = HeadRules.isIdempotent(method: method)
        exchange.keepAlive = http_should_keep_alive(parse.parser) != 0
        exchange.closeAfterResponse = !exchange.keepAlive || proxy.isQuiescing
        if parse.tooManyHeaders {
            respondLocally(431, "more than \(proxy.config.maxHeaderCount) header fields", close: true)
            return
        }
        if parse.foldedLine {
            respondLocally(400, "obsolete line folding is not accepted", close: true)
            return
        }
        if method == HTTP_CONNECT.rawValue {
            respondLocally(501, "CONNECT is not supported by this gateway", close: true)
            return
        }
        let verdict = HeadRules.checkRequest(
            base: inBuf.base, spans: parse.spans, count: parse.spanCount, isHTTP10: exchange.isHTTP10)
        if verdict.status != 0 {
            respondLocally(verdict.status, verdict.reason, close: true)
            return
        }
        // A key the backend deduplicates by makes even a POST safe to resend after its backend died mid-request.
        if verdict.hasIdempotencyKey { exchange.idempotent = true }
        if verdict.hasContentLength && parser.content_length > UInt64(proxy.config.maxBodyBytes) {
            respondLocally(413, "request body larger than \(proxy.config.maxBodyBytes) bytes", close: true)
            return
        }
        var generated = false
        if verdict.requestIDIndex >= 0 {
            let span = parse.spans[verdict.requestIDIndex]
            guard span.valueLength > 0, Int(span.valueLength) <= Self.maxRequestIDLength else {
                respondLocally(400, "X-Request-ID must be 1 to \(Self.maxRequestIDLength) bytes", close: true)
                return
            }
            requestID.copyMemory(from: inBuf.base + Int(span.valueStart), byteCount: Int(span.valueLength))
            exchange.requestIDLength = Int(span.valueLength)
        } else {
            proxy.requestIDs.write(to: requestID)
            exchange.requestIDLength = RequestIDGenerator.length
            generated = true
        }
        guard let target = requestTarget(method: method) else { return }
        var maxForwards = -1
        if verdict.maxForwardsIndex >= 0 && (method == HTTP_OPTIONS.rawValue || method == HTTP_TRACE.rawValue) {
            let span = parse.spans[verdict.maxForwardsIndex]
            guard let value = HeadRules.parseContentLength(inBuf.base + Int(span.valueStart), Int(span.valueLength))
            else {
                respondLocally(400, "invalid Max-Forwards", close: true)
                return
            }
            if value == 0 {
                // RFC 9110 §7.6.2: the proxy is the final recipient. The head is consumed first, or the connection,
                // idle again, would find the same request in its buffer and answer it forever; a request with a
                // body ends its connection (the body is not read).
                consumeHead()
                let bodyFollows = !parse.messageComplete || parse.hasError
                respondLocally(
                    200, "max-forwards reached at morse-proxy", close: exchange.closeAfterResponse || bodyFollows)
                return
            }
            maxForwards = Int(min(value - 1, 1 << 31))
        }
        let methodName = http_method_str(http_method(method))!
        let methodBytes = UnsafeRawBufferPointer(start: methodName, count: strlen(methodName))
        if proxy.accessLog.isEnabled { rememberForLog(method: methodBytes, target: target.path) }
        guard proxy.buffers.fill(&reqOut) else {
            respondLocally(503, "out of buffer memory", close: true)
            return
        }
        reqOut.clear()
        reqUnsent = 0
        var host = target.host
        if host.count == 0 && verdict.hostIndex < 0 { host = UnsafeRawBufferPointer(proxy.ownHost) }
        let additions = HeadWriter.RequestAdditions(
            clientAddress: UnsafeRawBufferPointer(start: peer, count: peerLength),
            requestID: UnsafeRawBufferPointer(start: requestID, count: exchange.requestIDLength),
            generatedRequestID: generated, hostOverride: host, decrementedMaxForwards: maxForwards)
        var written = HeadWriter.writeRequest(
            into: &reqOut, method: methodBytes, target: target.path, base: inBuf.base, spans: parse.spans,
            count: parse.spanCount, verdict: verdict, additions: additions)
        if !written && proxy.buffers.grow(&reqOut, to: proxy.largeRequestCapacity) {
            reqOut.clear()
            written = HeadWriter.writeRequest(
                into: &reqOut, method: methodBytes, target: target.path, base: inBuf.base, spans: parse.spans,
                count: parse.spanCount, verdict: verdict, additions: additions)
        }
        guard written else {
            respondLocally(431, "request header section too large to forward", close: true)
            return
        }
        reqUnsent = reqOut.readable
        // The parser paused on the head's final LF; feed it again so the parser sets up body framing.
        consumeHead()
        if parse.hasError {
            respondToParseError()
            return
        }
        exchange.requestComplete = parse.messageComplete
        phase = exchange.requestComplete ? .awaiting : .body
        bodyStartMs = proxy.now
        deadline = exchange.requestComplete ? .max : bodyDeadline()
        if !exchange.requestComplete { appendBody() }
        if phase == .closing { return }
        dispatch()
    }

    /// The head leaves the input buffer, whatever answers it: the parser paused on its final LF, and feeding that
    /// byte again sets up the body's framing. A request answered without this would still be in the buffer when
    /// the connection is idle again, and be answered again.
    private func consumeHead() {
        inBuf.readIndex = parsePos
        _ = parse.execute(inBuf.base + parsePos, 1)
        inBuf.consume(1)
    }

    struct Target {
        var path: UnsafeRawBufferPointer
        var host: UnsafeRawBufferPointer
    }

    static let slash: StaticString = "/"

    /// origin-form as is; absolute-form rewritten to origin-form with Host taken from it (RFC 9112 §3.2.2);
    /// asterisk-form only for OPTIONS.
    private func requestTarget(method: UInt32) -> Target? {
        guard parse.urlStart >= 0, parse.urlLength > 0 else {
            respondLocally(400, "missing request target", close: true)
            return nil
        }
        let url = inBuf.base + parse.urlStart
        let length = parse.urlLength
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let first = url.load(as: UInt8.self)
        if first == 0x2F { return Target(path: UnsafeRawBufferPointer(start: url, count: length), host: none) }
        if first == 0x2A && length == 1 && method == HTTP_OPTIONS.rawValue {
            return Target(path: UnsafeRawBufferPointer(start: url, count: 1), host: none)
        }
        var fields = http_parser_url()
        http_parser_url_init(&fields)
        let failed = http_parser_parse_url(url.assumingMemoryBound(to: CChar.self), length, 0, &fields) != 0
        let hasHost = fields.field_set & UInt16(1 << UF_HOST.rawValue) != 0
        let hasSchema = fields.field_set & UInt16(1 << UF_SCHEMA.rawValue) != 0
        guard !failed, hasHost, hasSchema else {
            respondLocally(400, "invalid request target", close: true)
            return nil
        }
        func fieldOffset(_ field: http_parser_url_fields) -> Int {
            Int(morse_url_offset(&fields, Int32(field.rawValue)))
        }
        func fieldLength(_ field: http_parser_url_fields) -> Int {
            Int(morse_url_length(&fields, Int32(field.rawValue)))
        }
        func has(_ field: http_parser_url_fields) -> Bool { fields.field_set & UInt16(1 << field.rawValue) != 0 }
        var hostLength = fieldLength(UF_HOST)
        if has(UF_PORT) { hostLength = fieldOffset(UF_PORT) + fieldLength(UF_PORT) - fieldOffset(UF_HOST) }
        let host = UnsafeRawBufferPointer(start: url + fieldOffset(UF_HOST), count: hostLength)
        if has(UF_PATH) {
            let end =
                has(UF_QUERY)
                ? fieldOffset(UF_QUERY) + fieldLength(UF_QUERY) : fieldOffset(UF_PATH) + fieldLength(UF_PATH)
            return Target(
                path: UnsafeRawBufferPointer(start: url + fieldOffset(UF_PATH), count: end - fieldOffset(UF_PATH)),
                host: host)
        }
        return Target(path: UnsafeRawBufferPointer(start: Self.slash.utf8Start, count: 1), host: host)
    }

    private func rememberForLog(method: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer) {
        exchange.logMethodLength = min(method.count, 32)
        logLine.copyMemory(from: method.baseAddress!, byteCount: exchange.logMethodLength)
        exchange.logTargetLength = min(target.count, Self.maxLoggedTarget)
        (logLine + 32).copyMemory(from: target.baseAddress!, byteCount: exchange.logTargetLength)
    }

    /// Streams body bytes into `reqOut`, never feeding the parser more than fits so parsed == forwarded.
    private func appendBody() {
        while phase == .body && inBuf.readable > 0 {
            var room = reqOut.capacity - reqOut.writeIndex
            if room == 0 {
                // Out of room: drop what was already sent. The request can no longer be replayed.
                let sentEnd = reqOut.writeIndex - reqUnsent
                if sentEnd > reqOut.readIndex {
                    reqOut.readIndex = sentEnd
                    exchange.replayable = false
                    reqOut.compact()
                    room = reqOut.capacity - reqOut.writeIndex
                }
            }
            if room == 0 && exchange.replayable && reqOut.capacity < proxy.largeRequestCapacity
                && proxy.buffers.grow(&reqOut, to: proxy.largeRequestCapacity)
            {
                // Bodies up to the large buffer stay whole, so they can still be resent to another backend.
                room = reqOut.capacity - reqOut.writeIndex
            }
            if room == 0 {
                pauseRead()
                return
            }
            let feed = min(room, inBuf.readable)
            let consumed = parse.execute(inBuf.readPointer, feed)
            if parse.hasError {
                respondToParseError()
                return
            }
            if parse.bodyBytes > proxy.config.maxBodyBytes {
                respondLocally(413, "request body larger than \(proxy.config.maxBodyBytes) bytes", close: true)
                return
            }
            reqOut.append(inBuf.readPointer, consumed)
            reqUnsent += consumed
            inBuf.consume(consumed)
            if parse.messageComplete {
                exchange.requestComplete = true
                phase = .awaiting
                deadline = exchange.responseStarted ? deadline : .max
            } else if consumed < feed {
                respondLocally(400, "malformed request body", close: true)
                return
            }
        }
        if phase == .body { deadline = bodyDeadline() }
    }

    /// A limit on silence between reads, and a floor on the average rate: without the floor a client sending a
    /// byte just inside every timeout would hold its connection (and a backend's) for as long as it liked.
    private func bodyDeadline() -> Int64 {
        let timeout = Int64(proxy.config.clientBodyTimeoutMs)
        let silence = proxy.now + timeout
        let rate = Int64(proxy.config.clientBodyMinRate)
        guard rate > 0 else { return silence }
        return min(silence, bodyStartMs + timeout + Int64(parse.bodyBytes) * 1000 / rate)
    }

    private func forwardBody() {
        appendBody()
        if phase == .closing { return }
        upstream?.postWrite()
    }

    /// Upstream accepted bytes: room may have opened in `reqOut` for a paused body.
    func requestBytesFlushed() {
        if phase == .body && readPaused && reqUnsent < reqOut.capacity / 2 {
            resumeRead()
            appendBody()
            if phase != .closing, reqUnsent > 0 { upstream?.postWrite() }
        }
    }

    /// Chooses a backend and an upstream connection for the current attempt, or waits in the proxy's queue
    /// when every eligible backend is at `backend-max-connections`.
    func dispatch() {
        exchange.attempts += 1
        let chosen: Backend
        switch proxy.pickBackend(excluding: exchange.triedMask) {
        case .chosen(let backend):
            chosen = backend
        case .allBusy:
            exchange.attempts -= 1
            proxy.enqueue(self)
            return
        case .noneEligible:
            if exchange.attempts == 1 {
                respondLocally(
                    503, "no backend is available", close: exchange.closeAfterResponse || !exchange.requestComplete)
            } else {
                respondLocally(
                    502, "no backend answered", close: exchange.closeAfterResponse || !exchange.requestComplete)
            }
            return
        }
        exchange.triedMask |= 1 << UInt64(chosen.id & 63)
        exchange.backend = chosen
        exchange.lastBackend = chosen
        chosen.inFlight += 1
        exchange.dispatchNs = Clock.nanoseconds()
        reqUnsent = reqOut.readable
        guard let connection = proxy.acquire(chosen) else {
            upstreamFailed(.connectFailed, countsAgainstBackend: true, detail: "connect refused")
            return
        }
        guard connection.attach(self) else {
            proxy.release(connection, reusable: false)
            upstreamFailed(.connectFailed, countsAgainstBackend: false, detail: "out of buffer memory")
            return
        }
        upstream = connection
        connection.postWrite()
    }

    /// The attempt failed before any response byte reached the client: retry elsewhere or answer 502/504.
    func upstreamFailed(_ failure: RetryPolicy.Failure, countsAgainstBackend: Bool, detail: String) {
        guard let failed = dropUpstream() else { return }
        failed.stats.failures &+= 1
        if countsAgainstBackend { proxy.passiveFailure(failed, detail) }
        let policy = RetryPolicy(retries: proxy.config.retries)
        if policy.shouldRetry(
            after: failure, attempt: exchange.attempts, idempotent: exchange.idempotent,
            replayable: exchange.replayable,
            responseStarted: exchange.responseStarted)
        {
            failed.stats.retries &+= 1
            proxy.retriesTotal &+= 1
            dispatch()
            return
        }
        let timeout = failure == .responseTimeout
        respondLocally(
            timeout ? 504 : 502, timeout ? "backend \(failed.name) timed out" : "backend \(failed.name): \(detail)",
            close: exchange.closeAfterResponse || !exchange.requestComplete)
    }
}
