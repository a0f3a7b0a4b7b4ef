/// Rise/fall hysteresis for one backend, fed by active checks and passive errors. Pure: no clock, no I/O.
public struct HealthMachine: Sendable, Equatable {
    public private(set) var isUp: Bool
    /// Until the first active check answered, the configured initial state stands and the first answer decides
    /// at once (rise and fall start counting after it), so startup neither sends traffic to a dead backend for
    /// fall × interval nor keeps a live one out for rise × interval.
    public private(set) var checked = false
    public private(set) var consecutiveSuccesses = 0
    public private(set) var consecutiveFailures = 0
    /// Errors seen by live traffic, counted apart from failed checks: a request that succeeds clears these only,
    /// or steady traffic to a backend whose `/readyz` answers 503 (draining, database gone) would reset the
    /// checks' count on every response and keep it in rotation for ever.
    public private(set) var consecutivePassiveFailures = 0
    public let rise: Int
    public let fall: Int

    public init(rise: Int, fall: Int, initiallyUp: Bool) {
        self.rise = rise
        self.fall = fall
        self.isUp = initiallyUp
    }

    public enum Transition: Sendable, Equatable {
        case none
        case wentUp
        case wentDown
    }

    public mutating func checkSucceeded() -> Transition {
        consecutiveFailures = 0
        consecutivePassiveFailures = 0
        consecutiveSuccesses += 1
        if !checked {
            checked = true
            return setUp(true)
        }
        return consecutiveSuccesses >= rise ? setUp(true) : .none
    }

    public mutating func checkFailed() -> Transition {
        consecutiveSuccesses = 0
        consecutiveFailures += 1
        if !checked {
            checked = true
            return setUp(false)
        }
        return consecutiveFailures >= fall ? setUp(false) : .none
    }

    /// A connect failure, reset or timeout seen by live traffic counts like a failed check, but only active
    /// checks bring a backend back: a passive success is just the absence of an error.
    public mutating func passiveFailure() -> Transition {
        guard isUp else { return .none }
        consecutivePassiveFailures += 1
        return consecutivePassiveFailures >= fall ? setUp(false) : .none
    }

    /// Clears live traffic's errors only: a failing active check still counts toward `fall`.
    public mutating func passiveSuccess() {
        if isUp { consecutivePassiveFailures = 0 }
    }

    private mutating func setUp(_ up: Bool) -> Transition {
        guard up != isUp else { return .none }
        isUp = up
        if up {
            consecutiveFailures = 0
            consecutivePassiveFailures = 0
        } else {
            consecutiveSuccesses = 0
        }
        return up ? .wentUp : .wentDown
    }
}
