import CLibevent

/// One http_parser and what its callbacks recorded for the current head: offsets of the target, the status
/// reason and every header in the connection's input buffer. The callbacks only record; the connection acts
/// after `http_parser_execute` returns, because the parser is paused at the end of the head and of the message.
final class ParseState {
    let parser: UnsafeMutablePointer<http_parser>
    let type: http_parser_type
    /// Start of the input buffer the parser is reading; callbacks turn pointers into offsets against it.
    var base: UnsafeMutableRawPointer
    let spans: UnsafeMutablePointer<HeaderSpan>
    let maxSpans: Int
    var spanCount = 0
    var inValue = true
    var tooManyHeaders = false
    /// A header continued on a following line (obs-fold) or a split the parser reported non-contiguously.
    var foldedLine = false
    var urlStart = -1
    var urlLength = 0
    var statusStart = -1
    var statusLength = 0
    var headersComplete = false
    var messageComplete = false
    /// Set before parsing a response to HEAD: http_parser must be told there is no body.
    var skipBody = false
    var bodyBytes = 0
    /// When set, de-chunked body bytes go there instead of being relayed raw (HTTP/1.0 clients).
    var dechunkTarget: ClientConnection?

    init(type: http_parser_type, base: UnsafeMutableRawPointer, maxHeaders: Int) {
        self.type = type
        self.base = base
        parser = .allocate(capacity: 1)
        maxSpans = maxHeaders
        spans = .allocate(capacity: maxHeaders + 1)
        reset()
    }

    deinit {
        parser.deallocate()
        spans.deallocate()
    }

    /// Ready for a new message; the parser is re-initialised so no state leaks between messages.
    func reset() {
        http_parser_init(parser, type)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        spanCount = 0
        inValue = true
        tooManyHeaders = false
        foldedLine = false
        urlStart = -1
        urlLength = 0
        statusStart = -1
        statusLength = 0
        headersComplete = false
        messageComplete = false
        skipBody = false
        bodyBytes = 0
        dechunkTarget = nil
    }

    /// Feeds bytes; returns how many the parser consumed. Pauses are cleared here so callers just look at the
    /// flags and `errorCode`.
    @inline(__always)
    func execute(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        let consumed = withUnsafePointer(to: &ParseState.settings) {
            http_parser_execute(parser, $0, pointer.assumingMemoryBound(to: CChar.self), count)
        }
        if parser.pointee.http_errno == HPE_PAUSED.rawValue { http_parser_pause(parser, 0) }
        return consumed
    }

    var errorCode: UInt32 { parser.pointee.http_errno }
    var hasError: Bool { errorCode != HPE_OK.rawValue && errorCode != HPE_PAUSED.rawValue }
    var errorName: String { String(cString: http_errno_name(http_errno(errorCode))) }

    /// Offsets move when the buffer is compacted after the head was handled; only the body counters survive.
    static func state(_ parser: UnsafeMutablePointer<http_parser>?) -> ParseState {
        Unmanaged<ParseState>.fromOpaque(parser!.pointee.data).takeUnretainedValue()
    }

    nonisolated(unsafe) static var settings: http_parser_settings = {
        var settings = http_parser_settings()
        settings.on_url = { parser, at, length in
            let state = ParseState.state(parser)
            let offset = UnsafeRawPointer(at!) - UnsafeRawPointer(state.base)
            if state.urlStart < 0 {
                state.urlStart = offset
                state.urlLength = length
            } else {
                state.urlLength += length
            }
            return 0
        }
        settings.on_status = { parser, at, length in
            let state = ParseState.state(parser)
            let offset = UnsafeRawPointer(at!) - UnsafeRawPointer(state.base)
            if state.statusStart < 0 {
                state.statusStart = offset
                state.statusLength = length
            } else {
                state.statusLength += length
            }
            return 0
        }
        settings.on_header_field = { parser, at, length in
            let state = ParseState.state(parser)
            let offset = Int32(UnsafeRawPointer(at!) - UnsafeRawPointer(state.base))
            if state.inValue {
                guard state.spanCount < state.maxSpans else {
                    state.tooManyHeaders = true
                    return 0
                }
                state.spans[state.spanCount] = HeaderSpan(
                    nameStart: offset, nameLength: Int32(length), valueStart: offset, valueLength: 0)
                state.spanCount += 1
                state.inValue = false
            } else if !state.tooManyHeaders {
                let index = state.spanCount - 1
                if state.spans[index].nameStart + state.spans[index].nameLength != offset { state.foldedLine = true }
                state.spans[index].nameLength += Int32(length)
            }
            return 0
        }
        settings.on_header_value = { parser, at, length in
            let state = ParseState.state(parser)
            if state.tooManyHeaders { return 0 }
            let offset = Int32(UnsafeRawPointer(at!) - UnsafeRawPointer(state.base))
            let index = state.spanCount - 1
            guard index >= 0 else { return 0 }
            if !state.inValue {
                state.spans[index].valueStart = offset
                state.spans[index].valueLength = Int32(length)
                state.inValue = true
            } else {
                if state.spans[index].valueStart + state.spans[index].valueLength != offset { state.foldedLine = true }
                state.spans[index].valueLength += Int32(length)
            }
            return 0
        }
        settings.on_headers_complete = { parser in
            let state = ParseState.state(parser)
            state.headersComplete = true
            http_parser_pause(parser, 1)
            return state.skipBody ? 1 : 0
        }
        settings.on_body = { parser, at, length in
            let state = ParseState.state(parser)
            state.bodyBytes += length
            if let target = state.dechunkTarget {
                target.outBuf.append(UnsafeRawPointer(at!), length)
            }
            return 0
        }
        settings.on_message_complete = { parser in
            let state = ParseState.state(parser)
            state.messageComplete = true
            http_parser_pause(parser, 1)
            return 0
        }
        return settings
    }()
}
