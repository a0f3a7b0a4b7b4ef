/// A fixed-capacity byte queue: `[readIndex, writeIndex)` holds the bytes not yet consumed. Allocated once per
/// connection so the hot path never allocates; the owner calls `deallocate()` when the connection closes.
struct ByteBuffer {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    var readIndex = 0
    var writeIndex = 0

    init(capacity: Int) {
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    func deallocate() { base.deallocate() }

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
