/// Message identifiers: 128 random bits from the system's secure generator, as 22 URL-safe base64 characters.
///
/// A link is the only access control a message has, so the ID must not be guessable or enumerable.
enum MessageID {
    static let length = 22
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var characters: [UInt8] = []
        characters.reserveCapacity(length)
        // 22 × 6 bits = 132 bits: the 128 random ones, then 4 zero bits.
        for index in 0..<length {
            let bit = index * 6
            var value: UInt64
            if bit + 6 <= 64 {
                value = high >> UInt64(58 - bit)
            } else if bit < 64 {
                value = (high << UInt64(bit - 58)) | (low >> UInt64(122 - bit))
            } else if bit + 6 <= 128 {
                value = low >> UInt64(122 - bit)
            } else {
                value = low << UInt64(bit - 122)
            }
            characters.append(alphabet[Int(value & 0x3F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Whether `text` can be an ID at all; anything else is not looked up.
    static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}
