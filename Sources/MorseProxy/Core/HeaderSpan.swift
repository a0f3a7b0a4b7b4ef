/// Where one header sits in the connection's input buffer. Offsets, not pointers, so the spans stay valid
/// when the buffer is compacted between reads (they are rebased then).
struct HeaderSpan: Sendable, Equatable {
    var nameStart: Int32
    var nameLength: Int32
    var valueStart: Int32
    var valueLength: Int32
    /// What the head rules decided for this header (see `HeaderKind`).
    var kind: HeaderKind = .forward

    init(nameStart: Int32, nameLength: Int32, valueStart: Int32, valueLength: Int32) {
        self.nameStart = nameStart
        self.nameLength = nameLength
        self.valueStart = valueStart
        self.valueLength = valueLength
    }
}

/// The fate of a header when the head is rewritten.
enum HeaderKind: UInt8, Sendable {
    case forward
    /// Hop-by-hop, or named in `Connection`: never forwarded.
    case drop
    case host
    case contentLength
    /// Dropped from the copy; the proxy writes its own `Transfer-Encoding: chunked` when it relays chunks as is.
    case transferEncoding
    case forwardedFor
    case forwardedProto
    case requestID
    case maxForwards
    /// `Idempotency-Key` (IETF httpapi draft): forwarded as is; makes a non-idempotent request safe to resend.
    case idempotencyKey
}

/// Byte-level helpers shared by the request and response rules.
enum HeaderBytes {
    /// ASCII case-insensitive comparison against a lowercase literal, without building a String.
    @inline(__always)
    static func equals(_ pointer: UnsafeRawPointer, _ length: Int, _ lowercase: StaticString) -> Bool {
        guard length == lowercase.utf8CodeUnitCount else { return false }
        let literal = lowercase.utf8Start
        for index in 0..<length {
            var byte = pointer.load(fromByteOffset: index, as: UInt8.self)
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != literal[index] { return false }
        }
        return true
    }

    @inline(__always)
    static func equalsIgnoringCase(
        _ a: UnsafeRawPointer, _ aLength: Int, _ b: UnsafeRawPointer, _ bLength: Int
    ) -> Bool {
        guard aLength == bLength else { return false }
        for index in 0..<aLength {
            var x = a.load(fromByteOffset: index, as: UInt8.self)
            var y = b.load(fromByteOffset: index, as: UInt8.self)
            if x >= 0x41 && x <= 0x5A { x |= 0x20 }
            if y >= 0x41 && y <= 0x5A { y |= 0x20 }
            if x != y { return false }
        }
        return true
    }

    /// RFC 9110 §5.6.2 tchar.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    static func isToken(_ pointer: UnsafeRawPointer, _ length: Int) -> Bool {
        guard length > 0 else { return false }
        for index in 0..<length where !isTokenByte(pointer.load(fromByteOffset: index, as: UInt8.self)) {
            return false
        }
        return true
    }

    /// RFC 9110 §5.5 field-value: visible bytes, obs-text, SP and HTAB. CR, LF and NUL are rejected, which is
    /// also how obs-fold (a value continued on the next line) and bare CR are caught.
    static func isFieldValue(_ pointer: UnsafeRawPointer, _ length: Int) -> Bool {
        for index in 0..<length {
            let byte = pointer.load(fromByteOffset: index, as: UInt8.self)
            if byte < 0x20 && byte != 0x09 || byte == 0x7F { return false }
        }
        return true
    }

    /// Splits a comma-separated list (Connection, Transfer-Encoding) into trimmed elements.
    static func forEachListElement(
        _ pointer: UnsafeRawPointer, _ length: Int, _ body: (UnsafeRawPointer, Int) -> Void
    ) {
        var start = 0
        while start <= length {
            var end = start
            while end < length && pointer.load(fromByteOffset: end, as: UInt8.self) != 0x2C { end += 1 }
            var a = start
            var b = end
            while a < b && isSpace(pointer.load(fromByteOffset: a, as: UInt8.self)) { a += 1 }
            while b > a && isSpace(pointer.load(fromByteOffset: b - 1, as: UInt8.self)) { b -= 1 }
            if b > a { body(pointer + a, b - a) }
            start = end + 1
        }
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}
