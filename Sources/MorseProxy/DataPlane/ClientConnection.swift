import CLibevent
import Glibc
import Logging

/// One client connection and the exchange it is in. The request side lives in ClientConnection+Request, the
/// response side in ClientConnection+Response; this file holds the socket, buffers and lifecycle.
///
/// Memory on demand: the three buffers are chunks of the proxy's `BufferPool`, taken when bytes start to flow and
/// given back when drained, and the parser with its header table comes from the `ScratchPool` for the length of
/// a request (`shedIfIdle`). An idle keep-alive connection holds this object, its two events and its address.
final class ClientConnection: SocketConnection {
    enum Phase {
        /// Between requests on a keep-alive connection.
        case idle
        case head
        /// Head forwarded, body still arriving.
        case body
        /// Request fully read; the response is awaited or being relayed.
        case awaiting
        /// Flushing a final answer, then closing.
        case closing
    }

    var inBuf = ByteBuffer()
    var outBuf = ByteBuffer()
    /// The request as sent upstream (rewritten head, then body). Kept whole while it fits so it can be resent.
    var reqOut = ByteBuffer()
    /// Bytes at the tail of `reqOut` not yet written upstream. A count from the end, so compaction keeps it valid.
    var reqUnsent = 0
    /// The parser and per-request storage, held from the first byte of a request until the connection is idle.
    var scratch: RequestScratch?
    @inline(__always) var parse: ParseState { scratch.unsafelyUnwrapped.parse }
    var parsePos = 0
    var phase = Phase.idle
    /// When the current request's body began arriving (coarse milliseconds), for the body's minimum rate.
    var bodyStartMs: Int64 = 0
    /// Waiting in the proxy's queue for a backend below its connection limit (`Proxy.queue`), since `queuedAtMs`.
    var isQueued = false
    var queuedAtMs: Int64 = 0
    /// When the connection last had a request or response byte move, for quiescing's idle-close grace.
    var lastActiveMs: Int64 = 0

    /// The request in progress and its answer; replaced whole when the next request starts.
    var exchange = Exchange()
    var upstream: UpstreamConnection?

    /// Client address as bytes, written once per connection.
    let peer: UnsafeMutableRawPointer
    var peerLength = 0
    /// The request id, in the scratch storage.
    @inline(__always) var requestID: UnsafeMutableRawPointer { scratch.unsafelyUnwrapped.requestID }
    static let maxRequestIDLength = RequestScratch.maxRequestIDLength
    /// Method and target for the access log, copied only when the log is on.
    @inline(__always) var logLine: UnsafeMutableRawPointer { scratch.unsafelyUnwrapped.logLine }
    static let maxLoggedTarget = RequestScratch.maxLoggedTarget

    init(proxy: Proxy, fd: Int32, peer storage: inout sockaddr_storage) {
        peer = .allocate(byteCount: 64, alignment: 8)
        super.init(proxy: proxy, fd: fd)
        begin(peer: &storage)
    }

    /// What a new connection sets, fresh or reused: its address, and the idle deadline for its first request.
    private func begin(peer storage: inout sockaddr_storage) {
        peerLength = Sockets.formatPeer(&storage, into: peer)
        lastActiveMs = proxy.now
        deadline = proxy.now + Int64(proxy.config.clientIdleTimeoutMs)
    }

    /// Whether nothing but the proxy's spare list can still reach this closed connection, so that it may serve
    /// the next accepted socket: no backend slot, upstream connection or queue place left over.
    var isReusable: Bool {
        isClosed && upstream == nil && exchange.backend == nil && !isQueued && scratch == nil
            && inBuf.capacity == 0 && outBuf.capacity == 0 && reqOut.capacity == 0
    }

    /// Serves a newly accepted socket with this closed connection: every field back to what `init` gives it
    /// (the buffers and scratch already went back with `releaseBuffers`), then `begin`. A debug build checks,
    /// field by field, that nothing of the previous connection is left (`Proxy.checkReusedClient`).
    func reuse(fd: Int32, peer storage: inout sockaddr_storage) {
        reqUnsent = 0
        parsePos = 0
        phase = .idle
        bodyStartMs = 0
        queuedAtMs = 0
        exchange = Exchange()
        reopen(fd: fd)
        begin(peer: &storage)
    }

    deinit {
        peer.deallocate()
    }

    override func onReadable() {
        if inBuf.capacity == 0 && !proxy.buffers.fill(&inBuf) {
            abort()
            return
        }
        if inBuf.writableTail == 0 && phase != .head { inBuf.compact() }
        if inBuf.writableTail == 0 {
            // Nothing can be consumed until the exchange moves on (pipelined bytes, or body backpressure).
            pauseRead()
            return
        }
        let count = read(fd, inBuf.writePointer, inBuf.writableTail)
        if count > 0 {
            inBuf.writeIndex += count
            lastActiveMs = proxy.now
            processInput()
        } else if count == 0 {
            peerClosed()
        } else if errno != EAGAIN && errno != EINTR {
            abort()
        } else {
            shedIfIdle()
        }
    }

    /// EOF from the client. A half-close after a complete request still gets its response (RFC 9112 §9.6
    /// lets a client half-close); anything else ends the connection.
    private func peerClosed() {
        switch phase {
        case .awaiting:
            pauseRead()
            exchange.closeAfterResponse = true
        case .closing:
            pauseRead()
            if outBuf.isEmpty { proxy.closeClient(self) }
        default:
            abort()
        }
    }

    override func onWritable() {
        writeNow()
    }

    /// Writes queued output. One write per call: a short write means the socket buffer is full, so a second
    /// attempt would only return EAGAIN and cost a syscall.
    override func writeNow() {
        if isClosed { return }
        if !outBuf.isEmpty {
            let pending = outBuf.readable
            let count = write(fd, outBuf.readPointer, pending)
            if count > 0 {
                outBuf.consume(count)
                exchange.bytesOut += count
            } else if count < 0 && errno != EAGAIN && errno != EINTR {
                abort()
                return
            }
            if !outBuf.isEmpty {
                writeEvent.enable()
                deadline = proxy.now + Int64(proxy.config.clientIdleTimeoutMs)
                return
            }
        }
        writeEvent.disable()
        if phase == .awaiting { deadline = .max }
        if phase == .closing {
            proxy.closeClient(self)
            return
        }
        if let upstream, upstream.readPaused {
            upstream.resumeRead()
            processResponse()
        }
        shedIfIdle()
    }

    /// Between requests, gives back every buffer that is drained and, once no request byte is waiting, the
    /// scratch: what an idle keep-alive connection holds is this object, its events and its address.
    @inline(__always) func shedIfIdle() {
        guard phase == .idle else { return }
        let buffers = proxy.buffers
        if outBuf.isEmpty { buffers.recycle(&outBuf) }
        if inBuf.isEmpty {
            buffers.recycle(&inBuf)
            buffers.recycle(&reqOut)
            reqUnsent = 0
            releaseScratch()
        }
    }

    @inline(__always) func takeScratch() {
        if scratch == nil { scratch = proxy.scratches.take() }
    }

    @inline(__always) func releaseScratch() {
        if let held = scratch {
            scratch = nil
            proxy.scratches.give(held)
        }
    }

    /// Every buffer and the scratch back to their pools: the connection is closed.
    override func releaseBuffers() {
        let buffers = proxy.buffers
        buffers.recycle(&inBuf)
        buffers.recycle(&outBuf)
        buffers.recycle(&reqOut)
        reqUnsent = 0
        releaseScratch()
    }

    /// The connection ends without a further answer: client gone, or a response broke off midway.
    func abort() {
        if dropUpstream() != nil {
            if exchange.status == 0 { exchange.status = exchange.responseStarted ? 0 : 499 }
            logExchange()
        }
        proxy.closeClient(self)
    }

    /// Ends the request's hold on its backend: the upstream connection is closed (never pooled, its state is
    /// unknown) and the backend's in-flight count drops. Returns the backend that was held, if any.
    @discardableResult
    func dropUpstream() -> Backend? {
        if let upstream {
            self.upstream = nil
            proxy.closeUpstream(upstream)
        }
        guard let held = exchange.backend else { return nil }
        exchange.backend = nil
        proxy.releaseSlot(held)
        return held
    }

    /// Called by the sweeper with the coarse clock.
    func checkDeadline(now: Int64) {
        guard now >= deadline else { return }
        switch phase {
        case .idle:
            proxy.closeClient(self)
        case .head:
            respondLocally(408, "request header timeout", close: true)
        case .body:
            if exchange.responseStarted { abort() } else { respondLocally(408, "request body timeout", close: true) }
        case .awaiting:
            // A stalled writer (the client stopped reading).
            abort()
        case .closing:
            proxy.closeClient(self)
        }
    }
}
