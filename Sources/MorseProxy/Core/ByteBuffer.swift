/// A fixed-capacity byte queue: `[readIndex, writeIndex)` holds the bytes not yet consumed. Its storage is
/// either owned (`init(capacity:)`, freed with `deallocate()`) or lent by a `BufferPool` while bytes are in flight
/// (`attach`/`detach`); without storage its capacity is 0 and every append fails.
struct ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var readIndex = 0
    var writeIndex = 0

    /// No storage: points at a shared empty byte so pointer arithmetic on an empty buffer stays valid.
    init() {
        base = ByteBuffer.noStorage
        capacity = 0
    }

    init(capacity: Int) {
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    func deallocate() { if capacity > 0 { base.deallocate() } }

    private nonisolated(unsafe) static let noStorage = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)

    /// Takes storage lent by a pool; the buffer must have none.
    mutating func attach(_ storage: UnsafeMutableRawPointer, capacity: Int) {
        base = storage
        self.capacity = capacity
        readIndex = 0
        writeIndex = 0
    }

    /// Hands the storage back to its lender, leaving an empty buffer without storage.
    mutating func detach() -> (UnsafeMutableRawPointer, Int) {
        let lent = (base, capacity)
        base = ByteBuffer.noStorage
        capacity = 0
        readIndex = 0
        writeIndex = 0
        return lent
    }

    @inline(__always) var readable: Int { writeIndex - readIndex }
    @inline(__always) var writableTail: Int { capacity - writeIndex }
    @inline(__always) var readPointer: UnsafeMutableRawPointer { base + readIndex }
    @inline(__always) var writePointer: UnsafeMutableRawPointer { base + writeIndex }
    @inline(__always) var isEmpty: Bool { readIndex == writeIndex }

    @inline(__always) mutating func clear() {
        readIndex = 0
        writeIndex = 0
    }

    /// Moves unread bytes to the front; cheap when few bytes are left, which is the usual case between requests.
    mutating func compact() {
        if readIndex == 0 { return }
        let count = readable
        if count > 0 { base.copyMemory(from: base + readIndex, byteCount: count) }
        readIndex = 0
        writeIndex = count
    }

    @inline(__always) mutating func consume(_ count: Int) {
        readIndex += count
        if readIndex == writeIndex { clear() }
    }

    /// Appends when it fits; returns false (and appends nothing) when it does not, so callers pick the error.
    @discardableResult
    @inline(__always) mutating func append(_ pointer: UnsafeRawPointer, _ count: Int) -> Bool {
        if writableTail < count {
            compact()
            if writableTail < count { return false }
        }
        (base + writeIndex).copyMemory(from: pointer, byteCount: count)
        writeIndex += count
        return true
    }

    @discardableResult
    mutating func append(_ string: StaticString) -> Bool {
        append(string.utf8Start, string.utf8CodeUnitCount)
    }

    @discardableResult
    mutating func append(_ string: String) -> Bool {
        var copy = string
        return copy.withUTF8 { append($0.baseAddress!, $0.count) }
    }

    @discardableResult
    mutating func appendDecimal(_ value: Int) -> Bool {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var number = value.magnitude
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(truncatingIfNeeded: number % 10) &+ 0x30
                number /= 10
            } while number > 0
            if value < 0 {
                index -= 1
                scratch[index] = 0x2D
            }
            return append(scratch.baseAddress! + index, scratch.count - index)
        }
    }

    func string(_ start: Int, _ count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: base + start, count: count), as: UTF8.self)
    }
}
