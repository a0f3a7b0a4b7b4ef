import ArgumentParser

@main
struct MorseCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morsectl",
        abstract: "Operate a Morse cluster: run one locally, smoke-test and load-test a running one.",
        discussion: """
            Examples:
              morsectl cluster up                          proxy on :8080, workers on :8081 and :8082
              morsectl cluster up --workers 3 --proxy-port 18080
              morsectl smoke --url http://127.0.0.1:8080 --requests 2000 --concurrency 8 --junit smoke.xml
            """,
        subcommands: [ClusterCommand.self, SmokeCommand.self, LoadCommand.self]
    )
}
