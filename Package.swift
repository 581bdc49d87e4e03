// swift-tools-version:6.0
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
            ]
        ),
        .testTarget(
            name: "OrderCoreTests", dependencies: ["OrderCore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "orderctlTests", dependencies: ["OrderCore", "orderctl"], exclude: ["Snapshots"]),
    ],
    swiftLanguageModes: [.v6]
)
