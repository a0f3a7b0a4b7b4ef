extension Substring {
    /// Without leading spaces and tabs, and trailing spaces, tabs and a CR (a file written on Windows).
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
