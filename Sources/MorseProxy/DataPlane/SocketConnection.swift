import CLibevent
import Glibc

/// What both sides of an exchange share: the socket and its two persistent events, pausing reads (backpressure),
/// writes posted for the end of the loop pass, the slot in the proxy's registry, the deadline the sweep checks,
/// and closing. `ClientConnection` and `UpstreamConnection` add what differs: what a read means and what a write
/// sends.
class SocketConnection {
    unowned(unsafe) let proxy: Proxy
    /// Changes only when a closed client connection is reused for a new one (`reopen`).
    private(set) var fd: Int32
    var readEvent: EventHandle!
    var writeEvent: EventHandle!
    var readPaused = false
    var writePosted = false
    var isClosed = false
    /// Index in the proxy's `clients` or `upstreams`, for removal without a search.
    var registryIndex = -1
    /// Coarse monotonic milliseconds; what passing it means is the subclass's `checkDeadline`.
    var deadline: Int64 = .max

    init(proxy: Proxy, fd: Int32) {
        self.proxy = proxy
        self.fd = fd
        let arg = Unmanaged.passUnretained(self).toOpaque()
        readEvent = EventHandle(base: proxy.base, fd: fd, flags: EV_READ, callback: socketReadCallback, arg: arg)
        writeEvent = EventHandle(base: proxy.base, fd: fd, flags: EV_WRITE, callback: socketWriteCallback, arg: arg)
        readEvent.enable()
    }

    deinit { freeEvents() }

    /// Frees the two events, once. A closed connection that is not kept for reuse frees them at the end of its
    /// loop pass (`Proxy.freeClosed`), and the proxy frees those of every connection it still holds before it
    /// frees the event base: `event_free` reads the base, and a connection's own deinit may come later.
    final func freeEvents() {
        readEvent?.free()
        writeEvent?.free()
        readEvent = nil
        writeEvent = nil
    }

    /// Makes a closed connection serve a new socket: its events point at `fd`, and everything this class holds
    /// is as `init` leaves it. The subclass resets its own state first (`ClientConnection.reuse`).
    final func reopen(fd: Int32) {
        precondition(isClosed && registryIndex == -1 && !writePosted, "only a closed, freed connection is reused")
        self.fd = fd
        readEvent.reassign(fd: fd)
        writeEvent.reassign(fd: fd)
        readPaused = false
        isClosed = false
        deadline = .max
        readEvent.enable()
    }

    /// Bytes, an EOF or an error are waiting on the socket: what they mean is the subclass's.
    func onReadable() {}

    /// The socket can take more bytes.
    func onWritable() {}

    /// Queues `writeNow` for the end of the loop pass. Writes of one epoll batch then go out together, as in
    /// HAProxy: a backend or client woken by the first finds the others already waiting, which saves wakeups on
    /// the machine as a whole.
    @inline(__always) final func postWrite() {
        if !writePosted {
            writePosted = true
            proxy.postedWrites.append(self)
        }
    }

    /// Writes what is pending; called at the end of the loop pass and when the socket becomes writable.
    func writeNow() {}

    func pauseRead() {
        if !readPaused {
            readPaused = true
            readEvent.disable()
        }
    }

    func resumeRead() {
        if readPaused {
            readPaused = false
            readEvent.enable()
        }
    }

    /// Closes the socket and removes its events; buffers go back to the pool (`releaseBuffers`). The object itself
    /// (with its events) is freed, or kept for reuse, at the end of the loop pass (`Proxy.freeClosed`).
    final func closeSocket() {
        guard !isClosed else { return }
        isClosed = true
        readEvent.disable()
        writeEvent.disable()
        close(fd)
        releaseBuffers()
    }

    func releaseBuffers() {}
}

// One pair of libevent callbacks for both sides; the call goes to the subclass's override. No retain/release per
// event: a closed connection is kept alive by the proxy's graveyard until the end of the loop pass, so it cannot be
// freed while its own callback runs.
private let socketReadCallback: event_callback_fn = { _, _, arg in
    Unmanaged<SocketConnection>.fromOpaque(arg!)._withUnsafeGuaranteedRef { connection in
        connection.proxy.tick()
        connection.onReadable()
    }
}

private let socketWriteCallback: event_callback_fn = { _, _, arg in
    Unmanaged<SocketConnection>.fromOpaque(arg!)._withUnsafeGuaranteedRef { connection in
        connection.proxy.tick()
        connection.onWritable()
    }
}

extension Proxy {
    /// Adds a connection to a registry (`clients`, `upstreams`).
    @inline(__always)
    func register<Connection: SocketConnection>(_ connection: Connection, in registry: inout [Connection]) {
        connection.registryIndex = registry.count
        registry.append(connection)
    }

    /// Removes a connection from its registry by swapping the last one into its slot, and parks it in the
    /// graveyard first: the registry may hold the last strong reference.
    func unregister<Connection: SocketConnection>(_ connection: Connection, from registry: inout [Connection]) {
        graveyard.append(connection)
        let index = connection.registryIndex
        if index >= 0 && index < registry.count && registry[index] === connection {
            let last = registry.removeLast()
            if index < registry.count {
                registry[index] = last
                last.registryIndex = index
            }
        }
        connection.registryIndex = -1
    }
}
