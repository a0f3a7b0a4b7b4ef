import CLibevent
import Glibc
import Logging

/// The admin listener. evhttp fits here (low traffic, small bodies, GET/POST only) where it does not fit the
/// data plane; it runs on the same loop, so handlers read proxy state without locks.
final class AdminServer {
    unowned(unsafe) let proxy: Proxy
    private var http: OpaquePointer?
    /// The listening socket (evhttp's bound socket), which a binary upgrade hands to the new process.
    private var bound: OpaquePointer?

    /// A listening socket taken over from the previous process, served from `startAccepting` on.
    private var pending: Int32?

    /// Binds `address` and serves it, or keeps `inherited` (a listening socket taken over from the previous
    /// process) for `startAccepting`: until the new process serves, the old one answers the admin API alone, so
    /// whoever sees the new pid in `/status` knows the hand-over is done.
    init(proxy: Proxy, address: HostPort, inherited: Int32? = nil) throws {
        self.proxy = proxy
        guard let http = evhttp_new(proxy.base) else { throw ProxyError("evhttp_new failed") }
        self.http = http
        evhttp_set_timeout(http, 10)
        evhttp_set_max_headers_size(http, 8192)
        evhttp_set_max_body_size(http, 4096)
        evhttp_set_allowed_methods(http, UInt16(EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_POST.rawValue))
        if let inherited {
            pending = inherited
        } else {
            bound = evhttp_bind_socket_with_handle(http, address.host, address.port)
        }
        guard bound != nil || pending != nil else {
            evhttp_free(http)
            self.http = nil
            throw ProxyError("cannot bind admin listener on \(address)")
        }
        evhttp_set_gencb(http, adminCallback, Unmanaged.passUnretained(self).toOpaque())
    }

    var listenFD: Int32? { bound.map { evhttp_bound_socket_get_fd($0) } ?? pending }

    /// Serves the socket taken over; does nothing for one bound here.
    func startAccepting() {
        guard let http, let fd = pending else { return }
        pending = nil
        bound = evhttp_accept_socket_with_handle(http, fd)
        if bound == nil {
            close(fd)
            proxy.logger.error("admin API: cannot serve the socket taken over; the admin API is off")
        }
    }

    /// Stops accepting admin connections (the socket stays open in the process it was handed to); requests on
    /// connections already open are still answered.
    func stopAccepting() {
        guard let http, let socket = bound else { return }
        evhttp_del_accept_socket(http, socket)
        bound = nil
    }

    func stop() {
        if let fd = pending {
            close(fd)
            pending = nil
        }
        if let http {
            evhttp_free(http)
            self.http = nil
        }
    }

    fileprivate func handle(_ request: OpaquePointer) {
        proxy.tick()
        let uri = String(cString: evhttp_request_get_uri(request))
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        let isPost = evhttp_request_get_command(request) == EVHTTP_REQ_POST
        if let token = proxy.config.adminToken {
            let given = evhttp_find_header(evhttp_request_get_input_headers(request), "Authorization")
            let expected = "Bearer \(token)"
            guard let given, Self.constantTimeEquals(String(cString: given), expected) else {
                reply(request, 401, "{\"error\":\"missing or wrong bearer token\"}\n")
                return
            }
        }
        let route = AdminRoutes.route(method: isPost ? "POST" : "GET", path: path)
        switch route {
        case .status:
            reply(request, 200, StatusReport.json(proxy))
        case .metrics:
            reply(request, 200, MetricsText.render(proxy), contentType: "text/plain; version=0.0.4")
        case .health:
            reply(request, 200, "{\"status\":\"ok\"}\n")
        case .setState(let name, let state):
            guard let backend = proxy.backends.first(where: { $0.name == name }) else {
                reply(request, 404, "{\"error\":\"no backend named \(name)\"}\n")
                return
            }
            let before = backend.state
            backend.adminState = state
            if state != .enabled { proxy.closeIdle(of: backend) }
            // An enabled backend takes queued requests; with one drained, the queue may have nowhere to go.
            proxy.queue.needsService = !proxy.queue.isEmpty
            if before != backend.state {
                proxy.logger.notice(
                    "backend \(name) state \(before.rawValue) -> \(backend.state.rawValue) (admin \(state.rawValue))")
            }
            reply(request, 200, StatusReport.backendJSON(backend) + "\n")
        case .methodNotAllowed:
            reply(request, 405, "{\"error\":\"method not allowed\"}\n")
        case .notFound:
            reply(request, 404, "{\"error\":\"not found\"}\n")
        }
    }

    private func reply(
        _ request: OpaquePointer, _ code: Int32, _ body: String, contentType: String = "application/json"
    ) {
        let headers = evhttp_request_get_output_headers(request)
        evhttp_add_header(headers, "Content-Type", contentType)
        evhttp_add_header(headers, "Cache-Control", "no-store")
        evhttp_add_header(headers, "X-Morse-Proxy-Version", ProxyVersion.current)
        let buffer = evbuffer_new()
        var text = body
        text.withUTF8 { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
        evhttp_send_reply(request, code, nil, buffer)
        evbuffer_free(buffer)
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}

private let adminCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { request, arg in
    let server = Unmanaged<AdminServer>.fromOpaque(arg!).takeUnretainedValue()
    server.handle(request!)
}
