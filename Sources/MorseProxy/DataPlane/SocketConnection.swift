import CLibevent
import Glibc

/// What both sides of an exchange share: the socket and its two persistent events, pausing reads (backpressure),
/// writes posted for the end of the loop pass, the slot in the proxy's registry, the deadline the sweep checks,
/// and closing. `ClientConnection` and `UpstreamConnection` add what differs: what a read means and what a write
/// sends.
class SocketConnection {
    unowned(unsafe) let proxy: Proxy
    let fd: Int32
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

    /// Closes the socket and frees its events; buffers go back to the pool (`releaseBuffers`). The object itself
    /// is freed at the end of the loop pass (`Proxy.graveyard`).
    final func closeSocket() {
        guard !isClosed else { return }
        isClosed = true
        readEvent.free()
        writeEvent.free()
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
