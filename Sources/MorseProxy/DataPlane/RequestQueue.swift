/// Requests waiting for a backend below `backend-max-connections`, oldest first. A ring of slots: a client that
/// leaves the middle (it closed, or it timed out) leaves a hole that `popFirst` skips, so removal costs no shift.
struct RequestQueue {
    private var slots: [ClientConnection?] = []
    private var head = 0
    private(set) var count = 0
    /// A backend slot was freed or a backend changed state: `Proxy.serviceQueue` runs at the end of the pass.
    var needsService = false
    /// True while `serviceQueue` dispatches, so those dispatches may take a free backend ahead of the queue.
    var servicing = false

    var isEmpty: Bool { count == 0 }

    mutating func append(_ client: ClientConnection) {
        slots.append(client)
        count += 1
    }

    /// The oldest waiting client, left in the queue.
    var first: ClientConnection? {
        var index = head
        while index < slots.count {
            if let client = slots[index] { return client }
            index += 1
        }
        return nil
    }

    mutating func popFirst() -> ClientConnection? {
        while head < slots.count {
            let client = slots[head]
            slots[head] = nil
            head += 1
            if let client {
                count -= 1
                compactIfWorthIt()
                return client
            }
        }
        compactIfWorthIt()
        return nil
    }

    mutating func remove(_ client: ClientConnection) {
        var index = head
        while index < slots.count {
            if slots[index] === client {
                slots[index] = nil
                count -= 1
                compactIfWorthIt()
                return
            }
            index += 1
        }
    }

    private mutating func compactIfWorthIt() {
        if count == 0 {
            slots.removeAll(keepingCapacity: slots.count <= 1024)
            head = 0
        } else if head > 256 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
    }
}

/// What `/status` and `/metrics` say about the queue.
struct QueueStats {
    var queuedTotal: UInt64 = 0
    var timeoutsTotal: UInt64 = 0
    /// Requests that left the queue for a backend, and their summed wait.
    var dequeuedTotal: UInt64 = 0
    var waitMsTotal: UInt64 = 0
    var maxWaitMs: Int64 = 0
}
