/// Round-robin over a list whose members come and go. The cursor remembers the slot after the last pick, so the
/// order stays exact (a, b, c, a, b, c) while all are eligible and a skipped member does not shift the others.
struct RoundRobin: Sendable, Equatable {
    private(set) var cursor = 0

    init() {}

    /// Index of the next eligible member, or nil when none is. `eligible` is asked at most `count` times.
    mutating func next(count: Int, eligible: (Int) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        if cursor >= count { cursor = 0 }
        for step in 0..<count {
            let index = (cursor + step) % count
            if eligible(index) {
                cursor = (index + 1) % count
                return index
            }
        }
        return nil
    }
}
