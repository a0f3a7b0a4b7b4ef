/// Rise/fall hysteresis for one backend, fed by active checks and passive errors. Pure: no clock, no I/O.
struct HealthMachine: Sendable, Equatable {
    private(set) var isUp: Bool
    /// Until the first active check answered, the configured initial state stands and the first answer decides
    /// at once (rise and fall start counting after it), so startup neither sends traffic to a dead backend for
    /// fall × interval nor keeps a live one out for rise × interval.
    private(set) var checked = false
    private(set) var consecutiveSuccesses = 0
    private(set) var consecutiveFailures = 0
    /// Errors seen by live traffic, counted apart from failed checks: a request that succeeds clears these only,
    /// or steady traffic to a backend whose `/readyz` answers 503 (draining, database gone) would reset the
    /// checks' count on every response and keep it in rotation for ever.
    private(set) var consecutivePassiveFailures = 0
    let rise: Int
    let fall: Int

    init(rise: Int, fall: Int, initiallyUp: Bool) {
        self.rise = rise
        self.fall = fall
        self.isUp = initiallyUp
    }

    /// A state handed over by the process this one took over from (binary upgrade): already checked, so the next
    /// checks count toward `rise` and `fall` as they would have there. A first check that times out on a busy
    /// machine then does not take a backend down at once - two doing so would leave no backend at all.
    init(rise: Int, fall: Int, carriedOver isUp: Bool) {
        self.init(rise: rise, fall: fall, initiallyUp: isUp)
        checked = true
    }

    enum Transition: Sendable, Equatable {
        case none
        case wentUp
        case wentDown
    }

    mutating func checkSucceeded() -> Transition {
        consecutiveFailures = 0
        consecutivePassiveFailures = 0
        consecutiveSuccesses += 1
        if !checked {
            checked = true
            return setUp(true)
        }
        return consecutiveSuccesses >= rise ? setUp(true) : .none
    }

    mutating func checkFailed() -> Transition {
        consecutiveSuccesses = 0
        consecutiveFailures += 1
        if !checked {
            checked = true
            return setUp(false)
        }
        return consecutiveFailures >= fall ? setUp(false) : .none
    }

    /// A connect failure, reset or timeout seen by live traffic: `fall` of them in a row take the backend down,
    /// as `fall` failed checks do (the two are counted apart), but only active checks bring a backend back: a
    /// passive success is just the absence of an error.
    mutating func passiveFailure() -> Transition {
        guard isUp else { return .none }
        consecutivePassiveFailures += 1
        return consecutivePassiveFailures >= fall ? setUp(false) : .none
    }

    /// Clears live traffic's errors only: a failing active check still counts toward `fall`.
    mutating func passiveSuccess() {
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
