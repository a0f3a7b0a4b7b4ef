import CLibevent

/// A timer on the proxy's loop. The proxy keeps every live timer in `Proxy.timers`: a one-shot timer leaves that
/// list and frees its event once it has fired, a repeating one when cancelled or when the proxy goes away, so
/// no event or closure outlives its use.
final class LoopTimer {
    unowned(unsafe) let proxy: Proxy
    let repeating: Bool
    private let action: (Proxy) -> Void
    private var handle: EventHandle?

    init(proxy: Proxy, milliseconds: Int, repeating: Bool, action: @escaping (Proxy) -> Void) {
        self.proxy = proxy
        self.repeating = repeating
        self.action = action
        var handle = EventHandle(
            base: proxy.base, fd: -1, flags: 0, persistent: repeating, callback: loopTimerCallback,
            arg: Unmanaged.passUnretained(self).toOpaque())
        handle.enable(milliseconds: max(1, milliseconds))
        self.handle = handle
    }

    deinit { handle?.free() }

    var isLive: Bool { handle != nil }

    /// Stops the timer and frees its event. Safe to call twice, and from the timer's own action.
    func cancel() {
        guard let handle else { return }
        self.handle = nil
        handle.free()
        proxy.forget(self)
    }

    fileprivate func fire() {
        proxy.tick()
        // A one-shot timer is done before its action runs, so the action may start another in its place.
        if !repeating { cancel() }
        action(proxy)
    }
}

private let loopTimerCallback: event_callback_fn = { _, _, arg in
    // The proxy's list holds the timer until `cancel`, which for a one-shot timer happens inside `fire`: keep it
    // alive until the action returns.
    let timer = Unmanaged<LoopTimer>.fromOpaque(arg!).takeUnretainedValue()
    withExtendedLifetime(timer) { timer.fire() }
}
