import CLibevent
import Glibc

/// Connection buffers come from here, one pool per loop (the proxy is single-threaded), as HAProxy's buffer pools
/// do: a buffer is one fixed-size chunk, taken when bytes start to flow and given back as soon as it is drained,
/// so an idle keep-alive connection holds none. Chunks are mapped pages of their own, so the ones above the
/// high-water mark go back to the system at once (`munmap`) instead of lingering in the allocator's heap.
///
/// A head larger than a chunk still fits: `grow` moves the buffer into a large one sized for the configured limit,
/// which is freed, not pooled, when that exchange is done.
final class BufferPool {
    /// HAProxy's `tune.bufsize` default: enough for almost every head, and a reasonable unit of relay.
    static let defaultChunkSize = 16 * 1024

    let chunkSize: Int
    /// Free chunks kept for reuse; beyond it a returned chunk is unmapped.
    var maxFreeChunks: Int
    private var free: [UnsafeMutableRawPointer] = []

    private(set) var chunksInUse = 0
    private(set) var largeInUse = 0
    private(set) var largeBytesInUse = 0
    /// Chunks ever mapped and ever unmapped: their difference is what the pool holds.
    private(set) var chunksMapped: UInt64 = 0
    private(set) var chunksUnmapped: UInt64 = 0

    init(chunkSize: Int = BufferPool.defaultChunkSize, maxFreeChunks: Int) {
        precondition(chunkSize > 0 && chunkSize % 4096 == 0, "chunk size is a whole number of pages")
        self.chunkSize = chunkSize
        self.maxFreeChunks = maxFreeChunks
        free.reserveCapacity(max(0, maxFreeChunks))
    }

    deinit {
        for chunk in free { munmap(chunk, chunkSize) }
    }

    var freeChunks: Int { free.count }
    /// Bytes held for buffers, in use or free.
    var bytesHeld: Int { (chunksInUse + free.count) * chunkSize + largeBytesInUse }

    /// Gives `buffer` a chunk if it has no storage. Returns false when memory ran out; the buffer stays empty.
    @inline(__always) @discardableResult
    func fill(_ buffer: inout ByteBuffer) -> Bool {
        if buffer.capacity > 0 { return true }
        guard let chunk = take() else { return false }
        buffer.attach(chunk, capacity: chunkSize)
        return true
    }

    /// Takes a buffer's storage back, whatever it holds; the buffer is left empty with no storage.
    @inline(__always)
    func recycle(_ buffer: inout ByteBuffer) {
        guard buffer.capacity > 0 else { return }
        let (storage, capacity) = buffer.detach()
        give(storage, capacity: capacity)
    }

    /// Moves the buffer's bytes, at the same offsets, into storage of `capacity` bytes (parsers keep offsets into
    /// the buffer, so nothing else changes). Returns false if memory ran out; the buffer is then unchanged.
    func grow(_ buffer: inout ByteBuffer, to capacity: Int) -> Bool {
        guard capacity > buffer.capacity else { return true }
        guard let storage = malloc(capacity) else { return false }
        if buffer.writeIndex > 0 { storage.copyMemory(from: buffer.base, byteCount: buffer.writeIndex) }
        let (readIndex, writeIndex) = (buffer.readIndex, buffer.writeIndex)
        recycle(&buffer)
        buffer.attach(storage, capacity: capacity)
        buffer.readIndex = readIndex
        buffer.writeIndex = writeIndex
        largeInUse += 1
        largeBytesInUse += capacity
        return true
    }

    private func take() -> UnsafeMutableRawPointer? {
        if let chunk = free.popLast() {
            chunksInUse += 1
            if free.count < lowestFreeSinceDecay { lowestFreeSinceDecay = free.count }
            return chunk
        }
        lowestFreeSinceDecay = 0
        guard let mapped = mmap(nil, chunkSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapped != MAP_FAILED
        else { return nil }
        chunksMapped &+= 1
        chunksInUse += 1
        return mapped
    }

    private func give(_ storage: UnsafeMutableRawPointer, capacity: Int) {
        guard capacity == chunkSize else {
            Glibc.free(storage)
            largeInUse -= 1
            largeBytesInUse -= capacity
            return
        }
        chunksInUse -= 1
        if free.count < maxFreeChunks {
            free.append(storage)
        } else {
            munmap(storage, chunkSize)
            chunksUnmapped &+= 1
        }
    }

    /// The fewest free chunks seen since the last `decay`: that many were not needed during the whole period.
    private var lowestFreeSinceDecay = 0

    /// Gives back to the system the free chunks the last period did not touch, keeping `reserve` for the next
    /// burst. Called once a second, so a pool grown by a burst shrinks within seconds and a steady load, which
    /// keeps using its chunks, causes no map/unmap churn.
    func decay(reserve: Int = 32) {
        var surplus = min(lowestFreeSinceDecay, free.count) - reserve
        while surplus > 0, let chunk = free.popLast() {
            munmap(chunk, chunkSize)
            chunksUnmapped &+= 1
            surplus -= 1
        }
        lowestFreeSinceDecay = free.count
    }
}
