import CLibevent
import Glibc
import Logging

/// Response side: parse the backend's head, rewrite it into `outBuf`, relay the body with backpressure.
extension ClientConnection {
    func processResponse() {
        guard let upstream else { return }
        let parse = upstream.parse
        while true {
            if !parse.headersComplete {
                if exchange.isHeadRequest { parse.skipBody = true }
                let consumed = parse.execute(
                    upstream.inBuf.base + upstream.parsePos, upstream.inBuf.writeIndex - upstream.parsePos)
                upstream.parsePos += consumed
                if parse.hasError {
                    badResponse("malformed response (\(parse.errorName))")
                    return
                }
                if !parse.headersComplete {
                    if upstream.parsePos > proxy.config.maxHeaderBytes {
                        badResponse("response header section too large")
                    }
                    return
                }
                guard startResponse(upstream) else { return }
                if !parse.headersComplete { continue }  // an interim 1xx was relayed; parse the next head
            }
            relayBody(upstream)
            return
        }
    }

    /// Handles a complete response head. Returns false when the exchange ended (error answered).
    private func startResponse(_ upstream: UpstreamConnection) -> Bool {
        let parse = upstream.parse
        let code = Int(parse.parser.pointee.status_code)
        if parse.tooManyHeaders || parse.foldedLine || upstream.parsePos > proxy.config.maxHeaderBytes {
            badResponse("response head rejected (too many headers, too large, or line folding)")
            return false
        }
        let verdict = HeadRules.checkResponse(base: upstream.inBuf.base, spans: parse.spans, count: parse.spanCount)
        if verdict.status != 0 {
            badResponse(verdict.reason)
            return false
        }
        guard proxy.buffers.fill(&outBuf) else {
            badResponse("out of buffer memory")
            return false
        }
        let reason = UnsafeRawBufferPointer(
            start: parse.statusStart >= 0 ? upstream.inBuf.base + parse.statusStart : nil,
            count: parse.statusStart >= 0 ? parse.statusLength : 0)
        let id = UnsafeRawBufferPointer(start: requestID, count: exchange.requestIDLength)
        if code >= 100 && code < 200 {
            if code == 101 {
                badResponse("backend switched protocols, which this proxy does not tunnel")
                return false
            }
            // Interim response: relayed to HTTP/1.1 clients (never to 1.0 ones), then the final head follows.
            if !exchange.isHTTP10 {
                _ = HeadWriter.writeResponse(
                    into: &outBuf, status: code, reason: reason, base: upstream.inBuf.base, spans: parse.spans,
                    count: parse.spanCount, verdict: verdict, relayChunked: false,
                    requestID: UnsafeRawBufferPointer(start: nil, count: 0), connection: .none)
            }
            upstream.inBuf.readIndex = upstream.parsePos
            _ = parse.execute(upstream.inBuf.base + upstream.parsePos, 1)
            upstream.inBuf.consume(1)
            upstream.inBuf.compact()
            parse.reset()
            parse.base = upstream.inBuf.base
            upstream.parsePos = 0
            postWrite()
            return !isClosed
        }
        let chunked = verdict.chunked
        let closeDelimited = http_message_needs_eof(parse.parser) != 0 && !exchange.isHeadRequest
        let dechunk = chunked && exchange.isHTTP10
        if closeDelimited || dechunk || !exchange.requestComplete || proxy.isQuiescing {
            exchange.closeAfterResponse = true
        }
        let connection: HeadWriter.ConnectionHeader =
            exchange.closeAfterResponse ? .close : (exchange.isHTTP10 ? .keepAlive : .none)
        exchange.status = code
        exchange.responseStarted = true
        exchange.responseHeadNs = Clock.nanoseconds()
        exchange.lastBackend?.health.passiveSuccess()
        func writeHead() -> Bool {
            HeadWriter.writeResponse(
                into: &outBuf, status: code, reason: reason, base: upstream.inBuf.base, spans: parse.spans,
                count: parse.spanCount, verdict: verdict, relayChunked: chunked && !dechunk, requestID: id,
                connection: connection)
        }
        // A head larger than one chunk goes out through a buffer sized for the limit.
        guard writeHead() || proxy.buffers.grow(&outBuf, to: proxy.largeOutputCapacity) && writeHead() else {
            exchange.responseStarted = false
            badResponse("response head too large to relay")
            return false
        }
        upstream.inBuf.readIndex = upstream.parsePos
        if dechunk { parse.dechunkTarget = self }
        _ = parse.execute(upstream.inBuf.base + upstream.parsePos, 1)
        upstream.inBuf.consume(1)
        if parse.hasError {
            upstreamBroke()
            return false
        }
        return true
    }

    /// Relays body bytes raw (chunked framing included, already validated by the parser), never more than
    /// `outBuf` can take: when it is full the upstream read stops until the client catches up.
    private func relayBody(_ upstream: UpstreamConnection) {
        let parse = upstream.parse
        while !parse.messageComplete && upstream.inBuf.readable > 0 {
            if outBuf.writableTail < upstream.inBuf.readable { outBuf.compact() }
            let room = outBuf.writableTail
            if room == 0 { break }
            let feed = min(room, upstream.inBuf.readable)
            let consumed = parse.execute(upstream.inBuf.readPointer, feed)
            if parse.hasError {
                upstreamBroke()
                return
            }
            if parse.dechunkTarget == nil { outBuf.append(upstream.inBuf.readPointer, consumed) }
            upstream.inBuf.consume(consumed)
            if consumed < feed && !parse.messageComplete {
                upstreamBroke()
                return
            }
        }
        if parse.messageComplete {
            finishExchange(upstream)
            return
        }
        postWrite()
        if isClosed { return }
        if !outBuf.isEmpty && upstream.inBuf.readable > 0 || outBuf.readable > outBuf.capacity / 2 {
            upstream.pauseRead()
        }
    }

    /// The response is complete: return the upstream connection to its pool (or close it), log, and either
    /// wait for the next request or close.
    private func finishExchange(_ upstream: UpstreamConnection) {
        self.upstream = nil
        let reusable =
            exchange.requestComplete && http_should_keep_alive(upstream.parse.parser) != 0 && upstream.inBuf.isEmpty
            && !upstream.readPaused
        if let backend = exchange.backend {
            exchange.backend = nil
            proxy.releaseSlot(backend)
        }
        proxy.release(upstream, reusable: reusable)
        recordAndLog()
        endExchange()
    }

    private func endExchange() {
        // The request is answered: it will not be resent, so its copy goes back to the pool.
        proxy.buffers.recycle(&reqOut)
        reqUnsent = 0
        lastActiveMs = proxy.now
        // Only what this response said decides: one already on its way without `Connection: close` when quiescing
        // began leaves the connection idle, for quiescing's grace to close.
        if exchange.closeAfterResponse {
            phase = .closing
            pauseRead()
            deadline = proxy.now + Int64(proxy.config.clientIdleTimeoutMs)
            postWrite()
            return
        }
        phase = .idle
        deadline = proxy.now + Int64(proxy.config.clientIdleTimeoutMs)
        postWrite()
        if isClosed { return }
        resumeRead()
        if inBuf.readable > 0 { processInput() } else { shedIfIdle() }
    }

    /// The backend sent something that cannot be relayed. Before the head went out this is a 502.
    private func badResponse(_ detail: String) {
        if let failed = exchange.lastBackend { proxy.passiveFailure(failed, detail) }
        if exchange.responseStarted {
            upstreamBroke()
            return
        }
        dropUpstream()
        respondLocally(502, "bad response from backend: \(detail)", close: true)
    }

    /// A response broke off after bytes reached the client: the only honest signal left is closing.
    func upstreamBroke() {
        dropUpstream()
        recordAndLog()
        phase = .closing
        writeNow()
        if !isClosed { proxy.closeClient(self) }
    }

    /// Answers from the proxy itself: errors, and Max-Forwards: 0.
    func respondLocally(_ code: Int, _ message: String, close: Bool, retryAfterSeconds: Int = 0) {
        dropUpstream()
        takeScratch()
        if !proxy.buffers.fill(&outBuf) {
            abort()
            return
        }
        if exchange.requestIDLength == 0 {
            proxy.requestIDs.write(to: requestID)
            exchange.requestIDLength = RequestIDGenerator.length
        }
        if isQueued {
            proxy.queue.remove(self)
            isQueued = false
        }
        exchange.status = code
        exchange.responseStarted = true
        exchange.closeAfterResponse = exchange.closeAfterResponse || close || proxy.isQuiescing
        _ = HeadWriter.writeLocalResponse(
            into: &outBuf, status: code, body: message,
            requestID: UnsafeRawBufferPointer(start: requestID, count: exchange.requestIDLength),
            close: exchange.closeAfterResponse,
            headOnly: exchange.isHeadRequest && phase != .head, retryAfterSeconds: retryAfterSeconds)
        if code >= 500 || code == 408 { proxy.logger.notice("answered \(code): \(message)") }
        recordAndLog()
        endExchange()
    }

    func recordAndLog() {
        let now = Clock.nanoseconds()
        let elapsed = now - exchange.requestStartNs
        if let lastBackend = exchange.lastBackend {
            lastBackend.stats.record(status: exchange.status, nanoseconds: elapsed)
        } else {
            proxy.localStats.record(status: exchange.status, nanoseconds: elapsed)
        }
        logExchange()
    }

    func logExchange() {
        guard proxy.accessLog.isEnabled else { return }
        let now = Clock.nanoseconds()
        proxy.accessLog.write(
            client: UnsafeRawBufferPointer(start: peer, count: peerLength),
            method: UnsafeRawBufferPointer(start: logLine, count: exchange.logMethodLength),
            target: UnsafeRawBufferPointer(start: logLine + 32, count: exchange.logTargetLength),
            status: exchange.status, bytes: exchange.bytesOut + outBuf.readable, backend: exchange.lastBackend?.name,
            retries: max(0, exchange.attempts - 1),
            totalMicroseconds: Int((now - exchange.requestStartNs) / 1000),
            backendMicroseconds: exchange.responseHeadNs > exchange.dispatchNs && exchange.dispatchNs > 0
                ? Int((exchange.responseHeadNs - exchange.dispatchNs) / 1000) : -1,
            requestID: UnsafeRawBufferPointer(start: requestID, count: exchange.requestIDLength))
    }
}
