import Glibc

/// Client connection objects are reused: a closed connection that nothing else references any more (its buffers
/// and scratch back in their pools, no upstream, backend slot or queue place) waits in `spareClients` and serves a
/// later accepted socket, its two libevent events pointed at the new descriptor (`event_assign`) and its address
/// buffer overwritten. So a connection costs no allocation at all in the steady state - not the object, not its
/// events (libevent's `event_new`), not its address: the connect/close path of issue 17. The list is bounded
/// (`maxSpareClients`); past it, closed connections are freed as before.
///
/// The risk of any such reuse is state of one client reaching the next. `ClientConnection.reuse` resets every
/// field by assignment, and a debug build (the one every test suite runs) compares each reused connection, field by
/// field through `Mirror`, with a fresh one: a field added later and not reset stops the proxy at its first reuse.
extension Proxy {
    /// 256 spares cover the connections that come and go within a second at the rates measured (about 12,000
    /// `Connection: close` requests a second, 32 at a time) and hold about 150 KiB.
    static let maxSpareClients = 256

    /// A connection for a newly accepted socket: a spare if there is one, otherwise a new object.
    @inline(__always)
    func makeClient(fd: Int32, peer storage: inout sockaddr_storage) -> ClientConnection {
        if let client = spareClients.popLast() {
            client.reuse(fd: fd, peer: &storage)
            clientObjectsReused &+= 1
            #if DEBUG
            checkReusedClient(client)
            #endif
            return client
        }
        let client = ClientConnection(proxy: self, fd: fd, peer: &storage)
        clientObjectsCreated &+= 1
        #if DEBUG
        if freshClientFields == nil { freshClientFields = Self.resettableFields(of: client) }
        #endif
        return client
    }

    #if DEBUG
    /// Fields that differ between two new connections by design: their socket, address and clock readings.
    private static let perConnectionFields: Set<String> = [
        "proxy", "fd", "readEvent", "writeEvent", "peer", "peerLength", "deadline", "lastActiveMs",
    ]

    /// Every other stored field of the connection and its base class, as "name=value".
    static func resettableFields(of client: ClientConnection) -> [String] {
        var fields: [String] = []
        var mirror: Mirror? = Mirror(reflecting: client)
        while let current = mirror {
            for child in current.children {
                guard let label = child.label, !perConnectionFields.contains(label) else { continue }
                fields.append("\(label)=\(child.value)")
            }
            mirror = current.superclassMirror
        }
        return fields
    }

    func checkReusedClient(_ client: ClientConnection) {
        guard let fresh = freshClientFields else { return }
        let reused = Self.resettableFields(of: client)
        if reused != fresh {
            let left = zip(reused, fresh).filter { $0 != $1 }.map { "\($0.0) (new: \($0.1))" }
            fatalError("a reused client connection kept state of the previous one: \(left.joined(separator: "; "))")
        }
    }
    #endif
}
