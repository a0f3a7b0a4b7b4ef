import CLibevent
import Glibc

/// Any bytes as a client's request, through the proxy's own request path without sockets: http_parser driven by
/// `ParseState`'s callbacks, then `HeadRules.checkRequest`, then `HeadWriter.writeRequest`, as
/// ClientConnection+Request does. Invariants:
/// - no crash, overflow or out-of-bounds span (address sanitizer);
/// - feeding the bytes in pieces records exactly what feeding them at once records (spans, target, flags);
/// - every recorded span lies inside the bytes the parser consumed;
/// - a head the rules accept is rewritten into a head that parses again, with the same method and target,
///   HTTP/1.1, no hop-by-hop header left, accepted again by the rules, and the same framing: the body bytes that
///   follow give the same body length and the same end of message to both parsers.
///
/// Compiled by Tests/Fuzz/run.sh together with Sources/MorseProxy/Core/*.swift and
/// Sources/MorseProxy/DataPlane/ParseState.swift. ParseState names `ClientConnection` only as the target of
/// de-chunked bodies (HTTP/1.0 relays); the stand-in below gives it the one member it touches.
final class ClientConnection {
    var outBuf = ByteBuffer(capacity: 1 << 16)
    deinit { outBuf.deallocate() }
}

/// Limits as the proxy's defaults would give them (ProxyConfig): header bytes and count.
private let maxHeaderBytes = 16 * 1024
private let maxHeaderCount = 100
private let inputCapacity = maxHeaderBytes + 16 * 1024

private struct Recorded: Equatable {
    var consumed = 0
    var error: UInt32 = 0
    var headersComplete = false
    var urlStart = -1
    var urlLength = 0
    var spans: [HeaderSpan] = []
    var tooManyHeaders = false
    var foldedLine = false
}

/// Parses the head in `base[0..<count]`, feeding pieces of the sizes `cuts` yields; stops at the end of the head.
private func parseHead(
    _ state: ParseState, _ base: UnsafeMutableRawPointer, _ count: Int, cuts: (Int) -> Int
) -> Recorded {
    state.reset()
    state.base = base
    var position = 0
    while position < count && !state.headersComplete && !state.hasError {
        let piece = max(1, min(cuts(position), count - position))
        let consumed = state.execute(base + position, piece)
        position += consumed
        if consumed < piece && !state.headersComplete && !state.hasError {
            preconditionFailure("parser stopped early without an error or a complete head")
        }
    }
    var recorded = Recorded()
    recorded.consumed = position
    recorded.error = state.hasError ? state.errorCode : 0
    recorded.headersComplete = state.headersComplete
    recorded.urlStart = state.urlStart
    recorded.urlLength = state.urlLength
    recorded.spans = (0..<state.spanCount).map { state.spans[$0] }
    recorded.tooManyHeaders = state.tooManyHeaders
    recorded.foldedLine = state.foldedLine
    return recorded
}

private func within(_ start: Int32, _ length: Int32, _ limit: Int) -> Bool {
    start >= 0 && length >= 0 && Int(start) + Int(length) <= limit
}

private func bytes(_ pointer: UnsafeRawPointer, _ count: Int) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: pointer, count: count))
}

/// Feeds body bytes to a parser whose head is complete (the final LF first, as the data plane does) and reports
/// (body bytes, message complete, error, bytes consumed).
private func feedBody(
    _ state: ParseState, _ base: UnsafeMutableRawPointer, _ headEnd: Int, _ body: UnsafeRawPointer, _ bodyCount: Int
) -> (Int, Bool, Bool, Int) {
    _ = state.execute(base + headEnd, 1)
    if state.hasError { return (state.bodyBytes, state.messageComplete, true, 0) }
    var position = 0
    while position < bodyCount && !state.messageComplete && !state.hasError {
        let consumed = state.execute(body + position, bodyCount - position)
        position += consumed
        if consumed == 0 { break }
    }
    return (state.bodyBytes, state.messageComplete, state.hasError, position)
}

private let input = UnsafeMutableRawPointer.allocate(byteCount: inputCapacity, alignment: 16)
private let whole = ParseState(type: HTTP_REQUEST, base: input, maxHeaders: maxHeaderCount)
private let pieces = ParseState(type: HTTP_REQUEST, base: input, maxHeaders: maxHeaderCount)
// The rewritten head carries up to four headers more (X-Forwarded-For/-Proto, X-Request-ID, Via).
private let again = ParseState(type: HTTP_REQUEST, base: input, maxHeaders: maxHeaderCount + 8)
private nonisolated(unsafe) var out = ByteBuffer(capacity: maxHeaderBytes + 4096)
private let joined = UnsafeMutableRawPointer.allocate(byteCount: maxHeaderBytes + 4096 + inputCapacity, alignment: 16)
private let clientAddress: StaticString = "192.0.2.7"
private let requestID: StaticString = "0123456789abcdef0123456789abcdef"
/// Host for an HTTP/1.0 request without one (the forwarded head is HTTP/1.1, which requires Host), passed to
/// HeadWriter as the data plane does: ClientConnection+Request gives the proxy's own listen address
/// (`Proxy.ownHost`); any name exercises the same path here.
private let defaultHost: StaticString = "localhost"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxyRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    // The first byte picks how the input is cut into reads; the rest is what the client sent.
    let seed = Int(data[0])
    let count = min(size - 1, inputCapacity)
    input.copyMemory(from: data + 1, byteCount: count)
    let headLimit = min(count, maxHeaderBytes)

    let one = parseHead(whole, input, headLimit, cuts: { _ in headLimit })
    let split = parseHead(pieces, input, headLimit, cuts: { position in 1 + (position &* 31 &+ seed) % (seed % 7 + 1) })
    // Errors may be detected at a different byte when the bytes come in pieces; everything recorded up to an
    // accepted head must be the same.
    if one.error == 0 && split.error == 0 {
        precondition(one == split, "feeding the head in pieces recorded something else than feeding it whole")
    } else {
        precondition((one.error == 0) == (split.error == 0), "one feeding failed, the other did not")
    }
    guard one.error == 0, one.headersComplete else { return 0 }

    precondition(one.consumed <= headLimit)
    for span in one.spans {
        precondition(within(span.nameStart, span.nameLength, one.consumed), "header name outside the head")
        precondition(within(span.valueStart, span.valueLength, one.consumed), "header value outside the head")
    }
    precondition(one.urlStart >= 0 && one.urlStart + one.urlLength <= one.consumed, "target outside the head")

    // What handleHead() rejects before the rules.
    let parser = whole.parser.pointee
    let method = UInt32(parser.method)
    guard parser.http_major == 1, parser.http_minor <= 1 else { return 0 }
    if one.tooManyHeaders || one.foldedLine || method == HTTP_CONNECT.rawValue { return 0 }
    let isHTTP10 = parser.http_minor == 0
    let contentLength = parser.content_length
    let verdict = HeadRules.checkRequest(base: input, spans: whole.spans, count: whole.spanCount, isHTTP10: isHTTP10)
    guard verdict.status == 0 else {
        precondition(verdict.status >= 400 && verdict.status < 600, "rejection without an error status")
        return 0
    }
    guard one.urlLength > 0 else { return 0 }
    // origin-form only (absolute-form is rewritten by the data plane, which is socket-bound); asterisk-form as is.
    let first = input.load(fromByteOffset: one.urlStart, as: UInt8.self)
    let asterisk = first == 0x2A && one.urlLength == 1 && method == HTTP_OPTIONS.rawValue
    guard first == 0x2F || asterisk else { return 0 }

    let methodName = http_method_str(http_method(method))!
    let methodBytes = UnsafeRawBufferPointer(start: methodName, count: strlen(methodName))
    let target = UnsafeRawBufferPointer(start: input + one.urlStart, count: one.urlLength)
    out.clear()
    let needsHost = isHTTP10 && verdict.hostIndex < 0
    let written = clientAddress.withUTF8Buffer { address in
        requestID.withUTF8Buffer { id in
            defaultHost.withUTF8Buffer { host in
                HeadWriter.writeRequest(
                    into: &out, method: methodBytes, target: target, base: input, spans: whole.spans,
                    count: whole.spanCount, verdict: verdict,
                    additions: HeadWriter.RequestAdditions(
                        clientAddress: UnsafeRawBufferPointer(address), requestID: UnsafeRawBufferPointer(id),
                        generatedRequestID: verdict.requestIDIndex < 0,
                        hostOverride: needsHost
                            ? UnsafeRawBufferPointer(host) : UnsafeRawBufferPointer(start: nil, count: 0)))
            }
        }
    }
    guard written else { return 0 }  // the data plane answers 431
    // As on an upstream connection, the forwarded head and the body bytes after it sit in one buffer (the
    // callbacks record Int32 offsets against the buffer's start).
    let rewritten = joined
    let rewrittenCount = out.writeIndex
    joined.copyMemory(from: out.base, byteCount: rewrittenCount)

    // The rewritten head parses again, completely, with the same method, target and framing.
    let second = parseHead(again, rewritten, rewrittenCount, cuts: { _ in rewrittenCount })
    precondition(second.error == 0, "the forwarded head does not parse")
    precondition(second.headersComplete, "the forwarded head is incomplete")
    precondition(second.consumed == rewrittenCount - 1, "the forwarded head has bytes after its end")
    precondition(!second.foldedLine && !second.tooManyHeaders, "the forwarded head is folded or too long")
    let reparsed = again.parser.pointee
    precondition(UInt32(reparsed.method) == method, "method changed")
    precondition(reparsed.http_major == 1 && reparsed.http_minor == 1, "forwarded version is not HTTP/1.1")
    precondition(
        bytes(rewritten + second.urlStart, second.urlLength) == bytes(input + one.urlStart, one.urlLength),
        "target changed")
    do {
        let verdict2 = HeadRules.checkRequest(
            base: rewritten, spans: again.spans, count: again.spanCount, isHTTP10: false)
        precondition(verdict2.status == 0, "the forwarded head is rejected: \(verdict2.reason)")
        precondition(verdict2.chunked == verdict.chunked, "chunked framing changed")
        precondition(verdict2.hasContentLength == verdict.hasContentLength, "Content-Length framing changed")
        for index in 0..<again.spanCount {
            let name = rewritten + Int(again.spans[index].nameStart)
            let length = Int(again.spans[index].nameLength)
            for dropped: StaticString in ["connection", "keep-alive", "proxy-connection", "te", "upgrade"] {
                precondition(!HeaderBytes.equals(name, length, dropped), "hop-by-hop header forwarded")
            }
        }
    }
    if verdict.hasContentLength {
        precondition(reparsed.content_length == contentLength, "Content-Length value changed")
    }

    // Same framing of what follows the head: both parsers see the same body length and the same end.
    let bodyStart = one.consumed + 1
    let bodyCount = max(0, count - bodyStart)
    let original = feedBody(whole, input, one.consumed, input + bodyStart, bodyCount)
    // A parse error here is answered 400 by the data plane (respondToParseError), so nothing is forwarded.
    // Seen: `Transfer-Encoding: chunked<HTAB>` is chunked for HeadRules (which trims HTAB) but not for
    // http_parser 2.9.4 (HPE_INVALID_TRANSFER_ENCODING on the byte after the head): rejected, never smuggled.
    if original.2 { return 0 }
    (joined + rewrittenCount).copyMemory(from: input + bodyStart, byteCount: bodyCount)
    let forwarded = feedBody(again, rewritten, second.consumed, joined + rewrittenCount, bodyCount)
    precondition(original.0 == forwarded.0, "body length differs after the rewrite")
    precondition(original.1 == forwarded.1, "end of message differs after the rewrite")
    precondition(original.2 == forwarded.2, "body error differs after the rewrite")
    precondition(original.3 == forwarded.3, "a different number of body bytes was consumed after the rewrite")
    return 0
}
