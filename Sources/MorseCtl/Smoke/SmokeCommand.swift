import ArgumentParser
import Foundation
import MorseCode

struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke",
        abstract: "Check a running cluster end to end: what it encodes decodes back, and messages are kept.",
        discussion: """
            Sends random texts over the whole ITU table (letters, figures, punctuation, prosigns, §3 signs) to \
            /api/v1/encode, decodes the Morse it returns with POST /api/v1/decode, and compares the result with \
            the normalised original. Every tenth round also stores a message and reads it back in another request.

            Prints progress, then counts: requests, failures, mismatches, requests per worker (X-Served-By), and \
            p50/p99 latency. Exits 1 on any failure or mismatch.
            """
    )

    @Option(help: "Base URL of the cluster (the proxy).")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "HTTP requests to send in all (two per round trip).")
    var requests: Int = 1000

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 8

    @Option(help: "Seed of the random texts; a failing run prints it so it can be replayed.")
    var seed: UInt64 = UInt64(Date().timeIntervalSince1970)

    @Option(help: "Give up after this many seconds in all.")
    var timeout: Double = 300

    @Option(help: "Write a JUnit XML report to this file.")
    var junit: String?

    @Option(help: "Write the counts as JSON to this file (for scripts).")
    var summaryJson: String?

    func validate() throws {
        guard requests >= 2, requests <= 10_000_000 else { throw ValidationError("--requests must be 2...10000000") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be 1...1024") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil
        else { throw ValidationError("--url must be an http(s) URL such as http://127.0.0.1:8080") }
    }

    func run() async throws {
        let client = APIClient(baseURL: URL(string: url)!, connections: concurrency, timeout: 15)
        let results = SmokeResults()
        let rounds = requests / 2
        let started = Date()
        let deadline = started.addingTimeInterval(timeout)
        let next = Counter()
        Terminal.error("smoke: \(rounds) round trips against \(url), \(concurrency) at once, seed \(seed)")

        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let done = await results.requests
                let failed = await results.failures.count + results.mismatches.count
                Terminal.progress("smoke: \(done)/\(rounds * 2) requests, \(failed) problems")
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    var texts = RandomTexts(seed: seed &+ UInt64(lane) &* 0x1_0000_0001)
                    while Date() < deadline, let round = await next.take(below: rounds) {
                        await SmokeRound(client: client, results: results).run(round: round, text: texts.next())
                    }
                }
            }
        }
        progress.cancel()
        Terminal.endProgress()
        let elapsed = Date().timeIntervalSince(started)
        let report = await SmokeReport(results: results, seconds: elapsed, seed: seed, url: url)
        print(report.text)
        if let junit { try report.junitXML().write(toFile: junit, atomically: true, encoding: .utf8) }
        if let summaryJson { try report.summaryJSON().write(to: URL(fileURLWithPath: summaryJson)) }
        if !report.passed(expectedRounds: rounds) { throw ExitCode.failure }
    }
}

/// Hands out round numbers to the tasks.
actor Counter {
    private var value = 0

    func take(below limit: Int) -> Int? {
        guard value < limit else { return nil }
        defer { value += 1 }
        return value
    }
}

/// One round: encode, decode, compare; every tenth round also a message written and read back.
struct SmokeRound {
    let client: APIClient
    let results: SmokeResults
    let encoder = MorseEncoder()

    func run(round: Int, text: String) async {
        let expected = encoder.normalize(text)
        // Alternate the JSON and the query-string forms of the API.
        let encoded =
            round % 2 == 0
            ? await client.post("api/v1/encode", json: ["text": text])
            : await client.get("api/v1/encode", query: ["text": text])
        guard await results.record(encoded, check: "encode"), let morse = encoded.json?["morse"] as? String else {
            if encoded.succeeded { await results.mismatch("encode", "no morse in \(encoded.summary)") }
            return
        }
        let decoded = await client.post("api/v1/decode", json: ["morse": morse])
        guard await results.record(decoded, check: "decode") else { return }
        let back = decoded.json?["text"] as? String
        if back != expected {
            await results.mismatch(
                "round trip",
                "text \(text.debugDescription) → \(morse.debugDescription) → \(back.debugDescription), "
                    + "expected \(expected.debugDescription)")
        }
        await results.roundTripDone()
        if round % 10 == 0 { await message(text: text, morse: morse) }
    }

    private func message(text: String, morse: String) async {
        let created = await client.post("api/v1/messages", json: ["text": text])
        guard await results.record(created, check: "message write") else { return }
        guard let id = created.json?["id"] as? String, !id.isEmpty else {
            await results.mismatch("message write", "no id in \(created.summary)")
            return
        }
        let read = await client.get("api/v1/messages/\(id)")
        guard await results.record(read, check: "message read") else { return }
        let stored = read.json?["morse"] as? String
        if stored != morse {
            await results.mismatch(
                "message read", "message \(id): morse \(stored.debugDescription), expected \(morse.debugDescription)")
        }
        await results.messageDone()
    }
}
