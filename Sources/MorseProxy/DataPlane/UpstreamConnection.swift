import CLibevent
import Glibc
import Logging

/// One TCP connection to a backend: attached to a client while it carries that client's request, otherwise
/// idle in its backend's pool, where it holds no buffer (the input chunk is taken on `attach`). Its read event stays added while idle so a backend closing the connection is
/// noticed at once, and stays added while active, so a request costs no `epoll_ctl` on this side.
final class UpstreamConnection: SocketConnection {
    let backend: Backend
    var inBuf = ByteBuffer()
    let parse: ParseState
    var parsePos = 0
    var client: ClientConnection?
    var connecting: Bool
    /// Carried a request before: an EOF on it may be the keep-alive race, not a backend failure.
    var reused = false
    var sentThisAttempt = 0
    let generation: Int

    init(proxy: Proxy, backend: Backend, fd: Int32, connecting: Bool) {
        self.backend = backend
        generation = backend.generation
        self.connecting = connecting
        parse = ParseState(type: HTTP_RESPONSE, base: ByteBuffer().base, maxHeaders: proxy.config.maxHeaderCount)
        super.init(proxy: proxy, fd: fd)
        if connecting {
            writeEvent.enable()
            deadline = proxy.now + Int64(proxy.config.backendConnectTimeoutMs)
        }
    }

    /// Returns false when no buffer could be had; the caller treats that as a failed connect.
    func attach(_ client: ClientConnection) -> Bool {
        guard proxy.buffers.fill(&inBuf) else { return false }
        self.client = client
        sentThisAttempt = 0
        parse.reset()
        parse.base = inBuf.base
        parsePos = 0
        if !connecting { deadline = proxy.now + Int64(proxy.config.backendResponseTimeoutMs) }
        return true
    }

    override func onReadable() {
        guard let client else {
            // Idle in the pool: the backend closed it (or sent garbage); either way it cannot be reused.
            proxy.closeUpstream(self)
            return
        }
        if inBuf.writableTail == 0 {
            if parse.headersComplete {
                inBuf.compact()
            } else if inBuf.capacity < proxy.largeInputCapacity
                && proxy.buffers.grow(&inBuf, to: proxy.largeInputCapacity)
            {
                // A response head larger than one chunk: offsets stay valid, the parser's base moves.
                parse.base = inBuf.base
            }
            if inBuf.writableTail == 0 {
                pauseRead()
                return
            }
        }
        let count = read(fd, inBuf.writePointer, inBuf.writableTail)
        if count > 0 {
            inBuf.writeIndex += count
            deadline = proxy.now + Int64(proxy.config.backendResponseTimeoutMs)
            client.processResponse()
        } else if count == 0 {
            endOfStream(client, error: 0)
        } else if errno != EAGAIN && errno != EINTR {
            endOfStream(client, error: errno)
        }
    }

    private func endOfStream(_ client: ClientConnection, error: Int32) {
        if client.exchange.responseStarted {
            // A close-delimited body ends here; anything else is a truncated response.
            if error == 0 && http_message_needs_eof(parse.parser) != 0 {
                _ = parse.execute(inBuf.writePointer, 0)
                if parse.messageComplete {
                    client.processResponse()
                    return
                }
            }
            client.upstreamBroke()
            return
        }
        client.upstreamFailed(
            sentThisAttempt == 0 ? .nothingSent : .closedBeforeResponse(reusedConnection: reused),
            countsAgainstBackend: !reused,
            detail: error == 0 ? "closed before responding" : String(cString: strerror(error)))
    }

    override func onWritable() {
        guard let client else {
            writeEvent.disable()
            return
        }
        if connecting {
            let code = Sockets.pendingError(fd)
            if code != 0 {
                client.upstreamFailed(
                    .connectFailed, countsAgainstBackend: true, detail: "connect: \(String(cString: strerror(code)))")
                return
            }
            connecting = false
            deadline = proxy.now + Int64(proxy.config.backendResponseTimeoutMs)
        }
        writeNow()
    }

    /// Writes whatever request bytes the client has queued. A partial write arms the write event; a full one
    /// disarms it, so the common case of a small request written at once never touches epoll.
    override func writeNow() {
        guard !isClosed, let client, !connecting else { return }
        let unsent = client.reqUnsent
        if unsent == 0 {
            writeEvent.disable()
            return
        }
        let count = write(fd, client.reqOut.writePointer - unsent, unsent)
        if count > 0 {
            sentThisAttempt += count
            // Backend silence counts from the last request byte sent, not from the start of a long upload.
            if !readPaused { deadline = proxy.now + Int64(proxy.config.backendResponseTimeoutMs) }
            client.reqUnsent -= count
            if client.reqUnsent > 0 { writeEvent.enable() } else { writeEvent.disable() }
            client.requestBytesFlushed()
        } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
            writeEvent.enable()
        } else {
            let code = errno
            client.upstreamFailed(
                sentThisAttempt == 0 ? .nothingSent : .closedBeforeResponse(reusedConnection: reused),
                countsAgainstBackend: !reused, detail: "write: \(String(cString: strerror(code)))")
        }
    }

    /// Backpressure: the client is slower than the backend, so stop reading until its buffer drains.
    /// While paused the backend's silence is the client's doing, so it counts against no deadline.
    override func pauseRead() {
        if !readPaused {
            super.pauseRead()
            deadline = .max
        }
    }

    override func resumeRead() {
        if readPaused {
            super.resumeRead()
            deadline = proxy.now + Int64(proxy.config.backendResponseTimeoutMs)
        }
    }

    override func releaseBuffers() {
        proxy.buffers.recycle(&inBuf)
    }
}
