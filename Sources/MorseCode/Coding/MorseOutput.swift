/// A growable byte buffer that the coders write with unaligned word stores; reusable across pieces of a stream.
///
/// `reserve(_:)` keeps at least that many bytes (plus eight of slack for the word stores) past `count`;
/// `storeWord` writes eight bytes and advances by fewer. A class over raw memory, so that a store is a store: an
/// `Array` would check uniqueness on every write.
public final class MorseOutput {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes written so far.
    var count = 0

    public convenience init() { self.init(capacity: 4096) }

    init(capacity: Int) {
        self.capacity = max(capacity, 64) + 8
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func reserve(_ bytes: Int) {
        if count &+ bytes &+ 8 > capacity { grow(to: count + bytes + 8) }
    }

    private func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Writes the low `length` bytes of `word` (little-endian). Call `reserve` first.
    @inline(__always)
    func storeWord(_ word: UInt64, length: Int) {
        base.storeBytes(of: word.littleEndian, toByteOffset: count, as: UInt64.self)
        count &+= length
    }

    func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        for byte in bytes { append(byte) }
    }

    /// Forgets everything written after `mark`.
    func rewind(to mark: Int) { count = mark }

    /// Forgets everything written, keeping the memory for the next piece.
    public func removeAll() { count = 0 }

    /// The bytes written, valid until the next write.
    public var written: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    public func string() -> String { String(decoding: written, as: UTF8.self) }
}

/// What separator the next symbol needs: the encoder writes separators lazily so that trailing spaces vanish.
enum PendingGap: UInt8 {
    case none, letter, word
}

enum Bytes {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let dot = UInt8(ascii: ".")
    static let dash = UInt8(ascii: "-")
    static let underscore = UInt8(ascii: "_")
    static let slash = UInt8(ascii: "/")
    static let bar = UInt8(ascii: "|")
    /// " / " as a little-endian word.
    static let wordGap: UInt64 = 0x20_2F_20
}
