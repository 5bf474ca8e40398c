// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "weblog-miner",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "weblog-miner", targets: ["weblog-miner"]),
        .library(name: "WeblogMiner", targets: ["WeblogMiner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        // Results database and the nightly state store (SQLite, Debian libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The `run` configuration file (YAML).
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C libraries from Debian: zlib1g-dev (gzip), libbz2-dev, liblzma-dev, libzstd-dev (the other
        // compressions logrotate writes) and libpcre2-dev (user-supplied patterns, the robot list).
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // No pkg-config file for bzip2 on Debian 12: the modulemap links libbz2 by name.
        .systemLibrary(name: "CBZip2", providers: [.apt(["libbz2-dev"]), .brew(["bzip2"])]),
        .systemLibrary(
            name: "CLZMA", pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"]), .brew(["xz"])]),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CPCRE2", pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]),
        .target(
            name: "WeblogMiner",
            dependencies: [
                "CZlib", "CBZip2", "CLZMA", "CZstd", "CPCRE2",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.embedInCode("Cleaning/robot-patterns.txt")],
            // Optimised in debug builds too: the tests run the miners and models on real-sized data.
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)), .unsafeFlags(["-O"], .when(configuration: .debug))]),
        .executableTarget(
            name: "weblog-miner",
            dependencies: [
                "WeblogMiner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "WeblogMinerTests",
            dependencies: [
                "WeblogMiner",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
    ]
)
