/// Request ids: 32 lowercase hex digits from a xoshiro-style generator seeded from the system RNG once.
/// Not cryptographic (ids are for correlation, not secrets) and cheap enough for every request.
struct RequestIDGenerator {
    private var s0: UInt64
    private var s1: UInt64

    init() {
        var seed = SystemRandomNumberGenerator()
        s0 = seed.next() | 1
        s1 = seed.next()
    }

    init(seed: UInt64) {
        s0 = seed | 1
        s1 = seed &* 0x9E37_79B9_7F4A_7C15
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        // xorshift128+
        var x = s0
        let y = s1
        s0 = y
        x ^= x << 23
        s1 = x ^ y ^ (x >> 17) ^ (y >> 26)
        return s1 &+ y
    }

    /// Writes 32 hex digits at `destination`.
    mutating func write(to destination: UnsafeMutableRawPointer) {
        let digits: StaticString = "0123456789abcdef"
        let table = digits.utf8Start
        for word in 0..<2 {
            let value = next()
            for nibble in 0..<16 {
                let digit = Int((value >> UInt64(60 - nibble * 4)) & 0xF)
                destination.storeBytes(of: table[digit], toByteOffset: word * 16 + nibble, as: UInt8.self)
            }
        }
    }

    static let length = 32
}
