/// The 44-byte RIFF/WAVE header of 16-bit mono PCM.
enum WAVHeader {
    static let size = 44

    static func bytes(sampleCount: Int, sampleRate: Int) -> [UInt8] {
        let dataSize = UInt32(truncatingIfNeeded: sampleCount * 2)
        var header: [UInt8] = []
        header.reserveCapacity(size)
        func ascii(_ text: String) { header += Array(text.utf8) }
        func le32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        func le16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        ascii("RIFF")
        le32(36 &+ dataSize)
        ascii("WAVE")
        ascii("fmt ")
        le32(16)  // size of the fmt chunk
        le16(1)  // PCM
        le16(1)  // mono
        le32(UInt32(sampleRate))
        le32(UInt32(sampleRate * 2))  // byte rate
        le16(2)  // block align
        le16(16)  // bits per sample
        ascii("data")
        le32(dataSize)
        return header
    }
}
