// swift-tools-version:6.1
import PackageDescription

// Upcoming features the whole package opts into, as Hummingbird does.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "morse-cluster",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MorseCode", targets: ["MorseCode"]),
        .executable(name: "morse", targets: ["MorseCLI"]),
        .executable(name: "morse-worker", targets: ["MorseWorkerCommand"]),
        .executable(name: "morse-proxy", targets: ["MorseProxyCommand"]),
        .executable(name: "morsectl", targets: ["MorseCtl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    ],
    targets: [
        // Pure core: the Morse alphabet, encoder, decoder, timing and audio. No I/O, no server dependency.
        .target(name: "MorseCode", swiftSettings: swiftSettings),
        .executableTarget(
            name: "MorseCLI",
            dependencies: [
                "MorseCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Worker: storage (SQLite / PostgreSQL behind one protocol), the Hummingbird app, and its executable.
        .target(
            name: "MorseStore",
            dependencies: [
                "MorseCode",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MorseWorker",
            dependencies: [
                "MorseCode",
                "MorseStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The page's scripts, style sheet and icon, compiled into the binary as byte arrays (`PackageResources`):
            // the deployed worker has no files beside it, so no resource bundle.
            resources: [
                .embedInCode("Page/Assets/page.js"),
                .embedInCode("Page/Assets/page.css"),
                .embedInCode("Page/Assets/icon.svg"),
                .embedInCode("Page/Assets/listen.js"),
                .embedInCode("Page/Assets/recorder.js"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MorseWorkerCommand",
            dependencies: [
                "MorseWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Proxy: libevent (Debian's libevent-dev) and the HTTP/1.1 parser (libhttp-parser-dev) as system
        // libraries, a library with the data plane, and its executable.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev", "libhttp-parser-dev"])]
        ),
        .target(
            name: "MorseProxy",
            dependencies: [
                "CLibevent",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MorseProxyCommand",
            // Its flags are parsed from the settings table (MorseProxy/Config/ProxySettings.swift), one declaration
            // per setting for file, flags, reload, --help and docs/proxy.md alike.
            dependencies: ["MorseProxy"],
            swiftSettings: swiftSettings
        ),

        // Operator tool: runs a local cluster, smoke-tests and load-tests a running one over HTTP.
        .executableTarget(
            name: "MorseCtl",
            dependencies: [
                "MorseCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // What several test targets share: a raw HTTP/1.1 client on loopback sockets, and the public-surface check.
        .target(name: "MorseTestSupport", path: "Tests/MorseTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "MorseCodeTests", dependencies: ["MorseCode", "MorseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MorseWorkerTests",
            dependencies: [
                "MorseWorker",
                "MorseStore",
                "MorseTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Tests change the tables behind the workers' backs, through the drivers themselves.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MorseProxyTests", dependencies: ["MorseProxy", "MorseTestSupport"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
    ]
)
