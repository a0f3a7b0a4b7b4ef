/// Admin URL routing, pure so it is unit-tested.
enum AdminRoutes: Equatable {
    case status
    case metrics
    case health
    case setState(backend: String, state: AdminState)
    case methodNotAllowed
    case notFound

    static func route(method: String, path: String) -> AdminRoutes {
        switch path {
        case "/status": return method == "GET" ? .status : .methodNotAllowed
        case "/metrics": return method == "GET" ? .metrics : .methodNotAllowed
        case "/healthz": return method == "GET" ? .health : .methodNotAllowed
        default: break
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        // ["", "backends", name, action]
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "backends", !parts[2].isEmpty else { return .notFound }
        let state: AdminState
        switch parts[3] {
        case "drain": state = .draining
        case "maint": state = .maint
        case "enable": state = .enabled
        default: return .notFound
        }
        guard method == "POST" else { return .methodNotAllowed }
        return .setState(backend: String(parts[2]), state: state)
    }
}
