import CLibevent

/// A persistent libevent event and whether it is currently added, so enabling twice costs nothing: every
/// `event_add`/`event_del` that changes state is an `epoll_ctl`, the cost this design avoids per request.
struct EventHandle {
    let event: OpaquePointer
    private(set) var isAdded = false

    init(base: OpaquePointer, fd: Int32, flags: Int32, callback: event_callback_fn, arg: UnsafeMutableRawPointer) {
        event = event_new(base, fd, Int16(flags | EV_PERSIST), callback, arg)!
    }

    @inline(__always) mutating func enable() {
        if !isAdded {
            event_add(event, nil)
            isAdded = true
        }
    }

    @inline(__always) mutating func disable() {
        if isAdded {
            event_del(event)
            isAdded = false
        }
    }

    func free() { event_free(event) }
}
