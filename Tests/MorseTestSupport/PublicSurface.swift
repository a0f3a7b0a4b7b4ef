import Foundation

/// A library's public surface, read from its sources, and its check against the list committed in
/// `Tests/PublicAPI/<library>.txt`.
///
/// One line per declaration that other modules can see: every `public` or `open` one, the members of a public
/// protocol or of a `public extension`, and the cases of a public enum. A member is prefixed by the types it is
/// nested in (`Proxy: public func run() throws`); a signature ends before its body or its initial value. Lines
/// are sorted, so moving a declaration between files changes nothing. Nesting is read from indentation, which
/// `swift format` keeps exact.
///
/// A test per library calls `check`. When a change of the surface is intended, rerun that test with
/// `MORSE_UPDATE_PUBLIC_API=1` in the environment: it rewrites the list, and the diff shows in review.
public enum PublicSurface {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Nil when `Sources/<library>` declares exactly the committed list; otherwise what differs.
    public static func check(library: String) throws -> String? {
        let listURL = packageRoot.appendingPathComponent("Tests/PublicAPI/\(library).txt")
        let actual = try declarations(of: library)
        if ProcessInfo.processInfo.environment["MORSE_UPDATE_PUBLIC_API"] == "1" {
            try render(library: library, actual).write(to: listURL, atomically: true, encoding: .utf8)
            return nil
        }
        let text = (try? String(contentsOf: listURL, encoding: .utf8)) ?? ""
        let expected = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        guard expected != actual else { return nil }
        let added = actual.filter { !expected.contains($0) }
        let removed = expected.filter { !actual.contains($0) }
        return """
            The public surface of \(library) (\(actual.count) declarations) differs from \
            Tests/PublicAPI/\(library).txt (\(expected.count)).
            Not in the list:\(added.map { "\n  + " + $0 }.joined())
            In the list, not in the sources:\(removed.map { "\n  - " + $0 }.joined())
            Make it internal if only the tests need it (they use @testable); if the change is intended, rerun with \
            MORSE_UPDATE_PUBLIC_API=1 to rewrite the list.
            """
    }

    /// Every visible declaration under `Sources/<library>`, sorted.
    public static func declarations(of library: String) throws -> [String] {
        let folder = packageRoot.appendingPathComponent("Sources/\(library)")
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            return []
        }
        var lines: [String] = []
        for case let file as URL in files where file.pathExtension == "swift" {
            lines += scan(try String(contentsOf: file, encoding: .utf8))
        }
        return lines.sorted()
    }

    static func render(library: String, _ lines: [String]) -> String {
        """
        # The public surface of \(library): \(lines.count) declarations. Checked by a test of its test target
        # (PublicSurface.check in Tests/MorseTestSupport); MORSE_UPDATE_PUBLIC_API=1 rewrites this file.

        """ + lines.joined(separator: "\n") + "\n"
    }

    /// A type or extension whose body is being read.
    private struct Scope {
        var indent: Int
        var name: String
        /// A public protocol's requirements and a public extension's members are public without saying so.
        var membersArePublic: Bool
        var casesArePublic: Bool
    }

    private static let typeKeywords: Set<String> = ["struct", "enum", "class", "actor", "protocol", "extension"]
    private static let declarationKeywords: Set<String> = typeKeywords.union([
        "func", "init", "init?", "init!", "deinit", "subscript", "var", "let", "typealias", "case", "associatedtype",
        "operator", "precedencegroup", "macro",
    ])
    private static let modifiers: Set<String> = [
        "public", "open", "package", "internal", "fileprivate", "private", "static", "class", "final", "override",
        "mutating", "nonmutating", "convenience", "required", "lazy", "weak", "unowned", "indirect", "nonisolated",
        "dynamic", "optional", "prefix", "postfix", "infix", "consuming", "borrowing", "distributed",
    ]

    /// The visible declarations of one file, prefixed by their scopes.
    public static func scan(_ source: String) -> [String] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [String] = []
        var scopes: [Scope] = []
        var inString = false
        var inComment = false
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            let text = line.trimmingCharacters(in: .whitespaces)
            if inComment {
                if text.contains("*/") { inComment = false }
                continue
            }
            if inString {
                if text.components(separatedBy: "\"\"\"").count % 2 == 0 { inString = false }
                continue
            }
            if text.hasPrefix("/*") && !text.contains("*/") {
                inComment = true
                continue
            }
            // A comment first: one that mentions `"""` opens no string.
            if text.isEmpty || text.hasPrefix("//") { continue }
            if text.components(separatedBy: "\"\"\"").count % 2 == 0 { inString = true }
            guard let declaration = parse(text) else { continue }
            let indent = line.prefix { $0 == " " }.count
            while let last = scopes.last, last.indent >= indent { scopes.removeLast() }
            let scope = scopes.last
            let explicit = declaration.access == "public" || declaration.access == "open"
            // Only a scope's own members: a `case` of a `switch` in a method is not an enum case.
            let member = scope.map { indent == $0.indent + 4 } ?? false
            let implicit =
                declaration.access == nil && member
                && (scope?.membersArePublic == true || (declaration.keyword == "case" && scope?.casesArePublic == true))
            if explicit || implicit {
                var signature = text
                while balance(signature) > 0 && index < lines.count {
                    signature += " " + lines[index].trimmingCharacters(in: .whitespaces)
                    index += 1
                }
                let prefix = scopes.map(\.name).joined(separator: ".")
                found.append((prefix.isEmpty ? "" : prefix + ": ") + tidy(signature, keyword: declaration.keyword))
            }
            if typeKeywords.contains(declaration.keyword), let name = declaration.name {
                let visible = explicit || implicit
                scopes.append(
                    Scope(
                        indent: indent, name: name,
                        membersArePublic: visible
                            && (declaration.keyword == "protocol" || declaration.keyword == "extension"),
                        casesArePublic: visible && declaration.keyword == "enum"))
            }
        }
        return found
    }

    /// The access modifier, keyword and name of a declaration line; nil for any other line.
    private static func parse(_ text: String) -> (access: String?, keyword: String, name: String?)? {
        var rest = Substring(text)
        // Attributes, with their arguments: @available(*, deprecated), @discardableResult.
        while rest.hasPrefix("@") {
            let end = rest.firstIndex { $0 == " " || $0 == "(" } ?? rest.endIndex
            rest = rest[end...]
            if rest.hasPrefix("(") {
                var depth = 0
                var cut = rest.startIndex
                for position in rest.indices {
                    if rest[position] == "(" { depth += 1 }
                    if rest[position] == ")" { depth -= 1 }
                    if depth == 0 {
                        cut = rest.index(after: position)
                        break
                    }
                }
                rest = rest[cut...]
            }
            rest = rest.drop { $0 == " " }
        }
        var access: String?
        let words = rest.split(separator: " ", omittingEmptySubsequences: true)
        for (position, word) in words.enumerated() {
            let bare = word.split(separator: "(").first.map(String.init) ?? String(word)
            let isSetterAccess = word.hasSuffix("(set)")
            if declarationKeywords.contains(bare)
                && !(bare == "class" && position + 1 < words.count
                    && declarationKeywords.contains(String(words[position + 1])))
            {
                let next = position + 1 < words.count ? String(words[position + 1]) : nil
                let name = next.map { String($0.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) }
                return (access, bare, name)
            }
            guard modifiers.contains(bare) else { return nil }
            if !isSetterAccess && ["public", "open", "package", "internal", "fileprivate", "private"].contains(bare) {
                access = bare
            }
        }
        return nil
    }

    /// Open minus closed brackets, so a signature spread over lines is read to its end.
    private static func balance(_ text: String) -> Int {
        var depth = 0
        for character in text {
            if character == "(" || character == "[" { depth += 1 }
            if character == ")" || character == "]" { depth -= 1 }
        }
        return depth
    }

    /// The signature without its body or initial value, on one line.
    private static func tidy(_ signature: String, keyword: String) -> String {
        var result = ""
        var depth = 0
        for character in signature {
            if character == "(" || character == "[" { depth += 1 }
            if character == ")" || character == "]" { depth -= 1 }
            if depth == 0 && character == "{" { break }
            if depth == 0 && character == "=" && (keyword == "var" || keyword == "let") { break }
            result.append(character)
        }
        var words = result.split(separator: " ").joined(separator: " ")
        for (from, to) in [("( ", "("), (" )", ")"), (",)", ")"), ("[ ", "["), (" ]", "]")] {
            words = words.replacingOccurrences(of: from, with: to)
        }
        return words.trimmingCharacters(in: .whitespaces)
    }
}
