import XCTest

@testable import MorseProxy

/// The message an old proxy sends a new one at a binary upgrade: two versions of the binary must read each other.
final class HandOverStateTests: XCTestCase {
    let state = HandOverState(
        version: "0.1.0", pid: 4242,
        sockets: [
            .init(role: .listener, address: HostPort(host: "0.0.0.0", port: 8080)),
            .init(role: .admin, address: HostPort(host: "::1", port: 8079)),
        ],
        backends: [
            .init(name: "web1", adminState: .draining, healthy: true),
            .init(name: "web2", adminState: .enabled, healthy: false),
            .init(name: "web3", adminState: .maint, healthy: true),
        ])

    func testWhatIsRenderedIsReadBackUnchanged() throws {
        XCTAssertEqual(try HandOverState.parse(state.render()), state)
    }

    func testAnIPv6AddressKeepsItsColons() throws {
        XCTAssertEqual(try HandOverState.parse(state.render()).sockets[1].address, HostPort(host: "::1", port: 8079))
    }

    /// A newer binary may add lines; an older one skips what it does not know and keeps the rest.
    func testUnknownLinesAreSkipped() throws {
        let text = state.render() + "weight web1 3\nsomething new entirely\n"
        XCTAssertEqual(try HandOverState.parse(text), state)
    }

    func testAnythingElseIsRefusedWithItsLine() {
        XCTAssertThrowsError(try HandOverState.parse("GET / HTTP/1.1\r\n\r\n")) { error in
            XCTAssertTrue("\(error)".contains("not a morse-proxy hand-over message"), "\(error)")
        }
        XCTAssertThrowsError(try HandOverState.parse(HandOverState.magic + "\nbackend web1 paused up\n")) { error in
            XCTAssertTrue("\(error)".contains("bad backend line: backend web1 paused up"), "\(error)")
        }
        XCTAssertThrowsError(try HandOverState.parse(HandOverState.magic + "\nsocket listener 8080\n")) { error in
            XCTAssertTrue("\(error)".contains("bad socket line"), "\(error)")
        }
        XCTAssertThrowsError(try HandOverState.parse("")) { _ in }
    }

    /// The new process's answer: read back as written; anything else is a failed successor.
    func testTheReadyAnswerRoundTripsAndAnythingElseIsNotReady() {
        let ready = HandOverState.Ready(pid: 4243, version: "0.1.0+next")
        XCTAssertEqual(HandOverState.Ready.parse(ready.render()), ready)
        for text in ["", "ready", "ready 0 0.1.0", "ready x 0.1.0", "ready 12 0.1.0 extra", "fail 12 0.1.0"] {
            XCTAssertNil(HandOverState.Ready.parse(text), text)
        }
    }
}
