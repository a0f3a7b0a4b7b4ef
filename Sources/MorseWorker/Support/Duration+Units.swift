extension Duration {
    /// For logs and limits: `12.345`.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// For logs and messages: `2.5`.
    var seconds: Double { milliseconds / 1000 }

    /// Whole seconds, rounded up: what `Retry-After` carries.
    var wholeSecondsRoundedUp: Int64 {
        components.seconds + (components.attoseconds > 0 ? 1 : 0)
    }
}
