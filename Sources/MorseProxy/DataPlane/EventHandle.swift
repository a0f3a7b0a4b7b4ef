import CLibevent

/// The one wrapper for a libevent event: client and upstream sockets, the listener, signals, health probes and
/// timers. It remembers whether the event is added, so enabling twice costs nothing: every `event_add` /
/// `event_del` that changes state is an `epoll_ctl`, the cost this design avoids per request.
struct EventHandle {
    let event: OpaquePointer
    private(set) var isAdded = false

    /// `fd` -1 makes a pure timer; `EV_SIGNAL` in `flags` makes `fd` a signal number.
    init(
        base: OpaquePointer, fd: Int32, flags: Int32, persistent: Bool = true, callback: event_callback_fn,
        arg: UnsafeMutableRawPointer
    ) {
        event = event_new(base, fd, Int16(flags | (persistent ? EV_PERSIST : 0)), callback, arg)!
    }

    @inline(__always) mutating func enable() {
        if !isAdded {
            event_add(event, nil)
            isAdded = true
        }
    }

    /// Adds (or re-adds) the event with a timeout: a timer's period, or how long an I/O wait may last.
    mutating func enable(milliseconds: Int) {
        var interval = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        event_add(event, &interval)
        isAdded = true
    }

    @inline(__always) mutating func disable() {
        if isAdded {
            event_del(event)
            isAdded = false
        }
    }

    /// Points the event at another file descriptor, with the same base, flags, callback and argument: how a
    /// recycled connection reuses its events. The event must not be added.
    mutating func reassign(fd: Int32) {
        precondition(!isAdded, "an added event cannot be reassigned")
        var base: OpaquePointer?
        var flags: Int16 = 0
        var callback: event_callback_fn?
        var arg: UnsafeMutableRawPointer?
        event_get_assignment(event, &base, nil, &flags, &callback, &arg)
        event_assign(event, base, fd, flags, callback, arg)
    }

    /// Removes the event if added and frees it; the handle must not be used afterwards.
    func free() { event_free(event) }
}
