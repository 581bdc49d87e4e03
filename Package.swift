// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "orderctl",
    products: [
        .executable(name: "orderctl", targets: ["orderctl"]),
        .library(name: "OrderCore", targets: ["OrderCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The shops' APIs (sync): see Sources/OrderCore/Intake/ShopClient.swift for why.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The webhook receiver (`orderctl serve`) and its /metrics. Hummingbird's traits
        // are off: neither swift-configuration nor its full-Foundation extras are used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The system SQLite C library (Debian: libsqlite3-dev). Only OrderCore/SQLite imports it.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // zlib (Debian: zlib1g-dev), to read .gz input directly.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "OrderCore",
            dependencies: [
                "CSQLite", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.embedInCode("Resources/schema.sql")]
        ),
        .executableTarget(
            name: "orderctl",
            dependencies: [
                "OrderCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "OrderCoreTests", dependencies: ["OrderCore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "orderctlTests", dependencies: ["OrderCore", "orderctl"], exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
