/// Writes JSON objects by hand for the hot paths: the encode answer and the health probes are written thousands
/// of times a second, and building them with `JSONEncoder` would cost more than the Morse itself.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 128) {
        bytes.reserveCapacity(capacity)
    }

    enum Value {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case raw([UInt8])
        case null
    }

    /// `{"key": value, …}`, nested values already written as `.raw`.
    static func object(_ members: KeyValuePairs<String, Value>) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeObject(members)
        return writer.bytes
    }

    static func array(_ elements: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += element
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    mutating func writeObject(_ members: KeyValuePairs<String, Value>) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in members {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
            write(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func write(_ value: Value) {
        switch value {
        case .string(let text): writeString(text)
        case .int(let number): bytes += String(number).utf8
        case .double(let number): bytes += Self.number(number).utf8
        case .bool(let flag): bytes += (flag ? "true" : "false").utf8
        case .raw(let raw): bytes += raw
        case .null: bytes += "null".utf8
        }
    }

    /// Whole numbers without a fraction (`9300`, not `9300.0`); JSON has no NaN or infinity, so those are null.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                bytes += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
