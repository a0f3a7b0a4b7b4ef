import CLibevent

/// What a client connection needs only while a request is in progress: the request parser with its table of
/// header spans (≈ 1.7 KiB at 100 headers), and room for the request id and the logged method and target. Lent
/// from `ScratchPool` when a request starts and given back when the connection is idle again, so an idle
/// keep-alive connection holds none of it.
final class RequestScratch {
    static let maxRequestIDLength = 128
    static let maxLoggedMethod = 32
    static let maxLoggedTarget = 512

    let parse: ParseState
    let requestID: UnsafeMutableRawPointer
    /// Method at offset 0 (at most `maxLoggedMethod` bytes), target at `maxLoggedMethod`.
    let logLine: UnsafeMutableRawPointer

    init(maxHeaders: Int) {
        parse = ParseState(type: HTTP_REQUEST, base: UnsafeMutableRawPointer(bitPattern: 16)!, maxHeaders: maxHeaders)
        requestID = .allocate(byteCount: Self.maxRequestIDLength, alignment: 8)
        logLine = .allocate(byteCount: Self.maxLoggedMethod + Self.maxLoggedTarget, alignment: 8)
    }

    deinit {
        requestID.deallocate()
        logLine.deallocate()
    }
}

/// Free `RequestScratch` objects of one loop, at most `maxFree` kept. Sized by the header limit it was made for:
/// a reload that changes `max-header-count` empties it.
final class ScratchPool {
    private var free: [RequestScratch] = []
    private(set) var maxHeaders: Int
    var maxFree: Int
    private(set) var inUse = 0

    init(maxHeaders: Int, maxFree: Int) {
        self.maxHeaders = maxHeaders
        self.maxFree = maxFree
    }

    var freeCount: Int { free.count }

    @inline(__always) func take() -> RequestScratch {
        inUse += 1
        if let scratch = free.popLast() { return scratch }
        return RequestScratch(maxHeaders: maxHeaders)
    }

    @inline(__always) func give(_ scratch: RequestScratch) {
        inUse -= 1
        if free.count < maxFree && scratch.parse.maxSpans == maxHeaders { free.append(scratch) }
    }

    func reconfigure(maxHeaders: Int, maxFree: Int) {
        self.maxFree = maxFree
        if maxHeaders != self.maxHeaders {
            self.maxHeaders = maxHeaders
            free.removeAll()
        }
        if free.count > maxFree { free.removeLast(free.count - maxFree) }
    }
}
