import ArgumentParser
import Foundation

/// The requests a load run sends.
enum LoadOperation: String, CaseIterable, Sendable, Comparable {
    /// `GET /api/v1/encode?text=...`: read-only, served from the worker's cache.
    case encode
    /// `POST /api/v1/messages`: a write to the database; a 201 acknowledges it and gives the message's id.
    case message

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    var request: String {
        switch self {
        case .encode: "GET /api/v1/encode"
        case .message: "POST /api/v1/messages"
        }
    }
}

/// Proportions of the operations, parsed from `encode=3,message=1` (weights, not percentages).
struct LoadMix: Sendable, CustomStringConvertible {
    let weights: [LoadOperation: Int]
    private let table: [LoadOperation]

    init(parsing text: String) throws {
        var weights: [LoadOperation: Int] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let operation = LoadOperation(rawValue: pair[0]), let weight = Int(pair[1]),
                (0...1000).contains(weight)
            else {
                let names = LoadOperation.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--mix: '\(part)' is not OPERATION=WEIGHT (operations: \(names); weights 0-1000)")
            }
            guard weights[operation] == nil else { throw ValidationError("--mix: \(operation) given twice") }
            weights[operation] = weight
        }
        guard weights.values.reduce(0, +) > 0 else { throw ValidationError("--mix: needs a positive weight") }
        self.weights = weights
        table = weights.sorted { $0.key < $1.key }.flatMap { Array(repeating: $0.key, count: $0.value) }
    }

    /// The operation of a request, from a random number.
    func pick(using generator: inout some RandomNumberGenerator) -> LoadOperation {
        table.randomElement(using: &generator)!
    }

    var description: String {
        weights.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ",")
    }
}
