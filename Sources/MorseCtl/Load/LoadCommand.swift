import ArgumentParser
import Foundation
import MorseCode

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Keep a running cluster under load for a while and count every failed request.",
        discussion: """
            Sends a mix of GET /api/v1/encode and POST /api/v1/messages (each write with an Idempotency-Key unless \
            --no-idempotency-key) over --concurrency keep-alive connections (one request per connection at a time) \
            until --duration has passed, --requests-limit requests were sent, or SIGINT/SIGTERM arrives; requests in \
            flight then finish (each bounded by --timeout).

            Every non-2xx answer and every connection error is counted, by kind (HTTP 502, connection: refused...) \
            and by second of the run, with examples. SIGUSR1 marks the start of a new phase: the report then gives \
            each phase's requests, failures and latency (e.g. before and during a deploy, from the same connections). An encode answer is compared with the local encoder; a message \
            counts as written when the cluster answered 201 with its id, and --messages-file lists them all (JSON \
            lines) so they can be read back afterwards. Exits 1 on any failure or mismatch.

            Examples:
              morsectl load --url http://127.0.0.1:8080 --duration 30 --concurrency 8
              morsectl load --url http://198.18.0.20:8080 --duration 60 --mix encode=3,message=1 \\
                --summary-json load.json --messages-file messages.jsonl
            """
    )

    @Option(help: "Base URL of the cluster (the proxy).")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "Seconds to keep the load on (at most 3600).")
    var duration: Double = 30

    @Option(help: "Connections, each with one request in flight at a time.")
    var concurrency: Int = 8

    @Option(help: "Stop after this many requests in all.")
    var requestsLimit: Int = 1_000_000

    @Option(help: "Weights of the operations: encode (GET /api/v1/encode), message (POST /api/v1/messages).")
    var mix: String = "encode=3,message=1"

    @Option(help: "At most this many requests per second in all (default: as fast as the connections go).")
    var rate: Double?

    @Option(help: "Seconds one request may take before it counts as failed (timed out).")
    var timeout: Double = 10

    @Option(help: "Seed of the random texts.")
    var seed: UInt64 = UInt64(Date().timeIntervalSince1970)

    @Option(help: "Write the counts as JSON to this file.")
    var summaryJson: String?

    @Option(help: "Write every acknowledged message (201) as a JSON line {id, text, morse, served_by, at}.")
    var messagesFile: String?

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            """
            Send an Idempotency-Key with every message write (default), so the proxy may resend it to another \
            worker when one dies mid-request. --no-idempotency-key sends writes without one: the case where a \
            dying worker can fail a write, for tests that must show it.
            """))
    var idempotencyKey = true

    func validate() throws {
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600]") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be 1...1024") }
        guard (1...100_000_000).contains(requestsLimit) else {
            throw ValidationError("--requests-limit must be 1...100000000")
        }
        guard timeout > 0, timeout <= 300 else { throw ValidationError("--timeout must be in (0, 300]") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        _ = try LoadMix(parsing: mix)
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil
        else { throw ValidationError("--url must be an http(s) URL such as http://127.0.0.1:8080") }
    }

    func run() async throws {
        let mix = try LoadMix(parsing: mix)
        let client = LoadClient(baseURL: URL(string: url)!, connections: concurrency, timeout: timeout)
        let started = DispatchTime.now()
        let results = LoadResults(started: started)
        let stop = StopSignal()
        let marks = PhaseMarks(results: results)
        let next = Counter()
        let pacer = rate.map { Pacer(perSecond: $0) }
        let deadline = started + .nanoseconds(Int(duration * 1e9))
        Terminal.error(
            "load: \(url) for \(duration) s (at most \(requestsLimit) requests), \(concurrency) connections, "
                + "mix \(mix)" + (idempotencyKey ? "" : ", writes without Idempotency-Key")
                + (rate.map { ", at most \($0) per second" } ?? "") + ", seed \(seed)")

        let progress = Task {
            var last = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let done = await results.requests
                let failed = await results.failures
                Terminal.progress(
                    "load: \(Int(await results.elapsed)) s, \(done) requests (+\(done - last)), \(failed) failed")
                last = done
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    var lane = LoadLane(
                        client: client, results: results, mix: mix, withKeys: idempotencyKey,
                        seed: seed &+ UInt64(lane) &* 0x1_0000_0001)
                    while !stop.isSet, DispatchTime.now() < deadline,
                        await next.take(below: requestsLimit) != nil
                    {
                        if let pacer {
                            await pacer.wait()
                            if stop.isSet || DispatchTime.now() >= deadline { break }
                        }
                        await lane.runOne()
                    }
                }
            }
        }
        progress.cancel()
        marks.cancel()
        Terminal.endProgress()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let reason =
            stop.reason.map { "stopped by \($0)" }
            ?? (DispatchTime.now() >= deadline ? "duration reached" : "requests limit reached")
        let report = await LoadReport(
            results: results, seconds: seconds, url: url, concurrency: concurrency, mix: mix, seed: seed,
            stopReason: reason)
        print(report.text)
        if let messagesFile { try report.messagesJSONLines().write(to: URL(fileURLWithPath: messagesFile)) }
        if let summaryJson { try report.summaryJSON().write(to: URL(fileURLWithPath: summaryJson)) }
        if !report.passed { throw ExitCode.failure }
    }
}

/// One connection's worth of load: picks the operation, sends it, checks and records the answer.
struct LoadLane {
    let client: LoadClient
    let results: LoadResults
    let mix: LoadMix
    let withKeys: Bool
    var texts: RandomTexts
    var generator: SplitMix64
    let encoder = MorseEncoder()

    init(client: LoadClient, results: LoadResults, mix: LoadMix, withKeys: Bool, seed: UInt64) {
        self.client = client
        self.results = results
        self.mix = mix
        self.withKeys = withKeys
        texts = RandomTexts(seed: seed)
        generator = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    mutating func runOne() async {
        let operation = mix.pick(using: &generator)
        let text = texts.next()
        switch operation {
        case .encode:
            let response = await client.encode(text)
            guard await results.record(response, operation: .encode) else { return }
            let morse = response.json?["morse"] as? String
            if let expected = try? encoder.encode(text), morse != expected {
                await results.mismatch(
                    "encode \(text.debugDescription): \(morse.debugDescription), expected \(expected.debugDescription)"
                        + " (\(response.servedBy ?? "?"))")
            }
        case .message:
            let response = await client.createMessage(text, withKey: withKeys)
            guard await results.record(response, operation: .message) else { return }
            guard response.status == 201, let json = response.json, let id = json["id"] as? String, !id.isEmpty,
                let morse = json["morse"] as? String
            else {
                await results.mismatch("message write: not a 201 with an id: \(response.detail)")
                return
            }
            await results.wrote(id: id, text: text, morse: morse, servedBy: response.servedBy)
        }
    }
}

/// Spaces requests evenly when a rate is set: each caller gets the next free slot.
actor Pacer {
    private let interval: UInt64
    private var next: UInt64 = 0

    init(perSecond: Double) { interval = UInt64(1e9 / perSecond) }

    func wait() async {
        let now = DispatchTime.now().uptimeNanoseconds
        let slot = max(now, next)
        next = slot + interval
        if slot > now { try? await Task.sleep(for: .nanoseconds(Int(slot - now))) }
    }
}

/// SIGUSR1 begins a new phase of the run (LoadResults.Phase).
final class PhaseMarks {
    private let source: any DispatchSourceSignal

    init(results: LoadResults) {
        signal(SIGUSR1, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: DispatchQueue(label: "morsectl.load.marks"))
        source.setEventHandler {
            Task {
                let number = await results.mark()
                let at = await results.elapsed
                Terminal.error(
                    number.map { "load: SIGUSR1: phase \($0) begins at \(String(format: "%.2f", at)) s" }
                        ?? "load: SIGUSR1 ignored: \(LoadResults.phasesLimit) phases already")
            }
        }
        source.resume()
    }

    func cancel() { source.cancel() }
}

/// SIGINT and SIGTERM end a run early but cleanly: no new requests, in-flight ones finish, the report is written.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stoppedBy: String?
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "morsectl.load.signals")

    init() {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.withLock { if self.stoppedBy == nil { self.stoppedBy = name } }
                Terminal.error("load: \(name): stopping (requests in flight finish)")
            }
            source.resume()
            sources.append(source)
        }
    }

    var isSet: Bool { lock.withLock { stoppedBy != nil } }
    var reason: String? { lock.withLock { stoppedBy } }
}
