import MorseTestSupport
import XCTest

/// MorseProxy's public API is what MorseProxyCommand uses; the tests see the rest through `@testable`. The list
/// of it is Tests/PublicAPI/MorseProxy.txt.
final class PublicSurfaceTests: XCTestCase {
    func testPublicSurfaceIsTheCommittedList() throws {
        let difference = try PublicSurface.check(library: "MorseProxy")
        XCTAssertNil(difference, difference ?? "")
    }
}

final class PublicSurfaceScannerTests: XCTestCase {
    func testTheScannerListsWhatOtherModulesSee() {
        let source = #"""
            public struct Box: Sendable {
                public internal(set) var count = 0
                let hidden: Int
                @inline(__always) public var isEmpty: Bool { count == 0 }
                public init(
                    count: Int,
                    hidden: Int = 1
                ) {
                    self.count = count
                    self.hidden = hidden
                }

                public enum Kind: String {
                    case small, large

                    public var label: String {
                        switch self {
                        case .small: return "s"
                        case .large: return "l"
                        }
                    }
                }
            }

            enum Internal {
                case one
                static let text = """
                    public var notCode = 1
                    """
            }

            public extension Box {
                func implicitlyPublic() {}
                private func stillPrivate() {}
            }

            public protocol Shape {
                var sides: Int { get }
            }

            /// Written with `"""`, which opens no string in a comment.
            public func afterAComment() {}
            """#
        XCTAssertEqual(
            PublicSurface.scan(source),
            [
                "public struct Box: Sendable",
                "Box: public internal(set) var count",
                "Box: @inline(__always) public var isEmpty: Bool",
                "Box: public init(count: Int, hidden: Int = 1)",
                "Box: public enum Kind: String",
                "Box.Kind: case small, large",
                "Box.Kind: public var label: String",
                "public extension Box",
                "Box: func implicitlyPublic()",
                "public protocol Shape",
                "Shape: var sides: Int",
                "public func afterAComment()",
            ])
    }
}
