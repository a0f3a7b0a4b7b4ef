/// Sizes of what connections borrow, and the marks above which pooled memory goes back to the system.
extension Proxy {
    /// Free chunks the buffer pool may keep at most (16 MiB of 16 KiB chunks); `BufferPool.decay` gives back,
    /// each second, the free chunks the last second did not need, so the pool follows the load down.
    static let maxFreeChunks = 1024
    /// Free request scratches kept (each ≈ 2.4 KiB with 100 headers).
    static let maxFreeScratches = 1024

    /// A request head larger than one chunk moves to a buffer this large (the limit, plus room for body bytes).
    var largeInputCapacity: Int { config.maxHeaderBytes + 16 * 1024 }
    /// The request as sent upstream: a rewritten head of up to the limit plus headers the proxy adds, and up to
    /// 64 KiB of body kept whole so that it can be resent.
    var largeRequestCapacity: Int { config.maxHeaderBytes + 4096 + 64 * 1024 }
    /// A response head of up to the limit with what the proxy adds.
    var largeOutputCapacity: Int { config.maxHeaderBytes + 4096 + BufferPool.defaultChunkSize }
}
