// swift-tools-version:6.0
import PackageDescription

// Module map (see docs/architecture.md):
//   Cedar          the policy engine; knows nothing of MCP, FastCGI, SQLite or GeoIP
//   WicketMCP      strict JSON, JSON-RPC 2.0 and MCP classification
//   WicketFastCGI  the libfcgi responder: accept threads, signals, graceful shutdown
//   WicketStore    per-tenant stores (SQLite files, or a PostgreSQL database): member keys, sealed credentials, audit
//   WicketGeo      the libmaxminddb lookup
//   WicketCore     config, tenants, the decision pipeline, nginx includes, alerts, metrics
//   CCurl          libcurl (the synchronous HTTP client of alert delivery and upstream list calls)
//   wicket         the command line; parses arguments and holds no business logic
let package = Package(
    name: "Wicket",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wicket", targets: ["wicket"]),
        .library(name: "Cedar", targets: ["Cedar"]),
        // For the fuzz targets in FuzzTesting/.
        .library(name: "WicketMCP", targets: ["WicketMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgreSQL", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "Cedar"),
        .target(name: "WicketMCP"),
        .target(name: "WicketFastCGI", dependencies: ["CFastCGI", .product(name: "Logging", package: "swift-log")]),
        .target(name: "WicketStore", dependencies: [
            "CSQLite", "CPostgreSQL",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "WicketGeo", dependencies: ["CMaxMindDB"]),
        .target(name: "WicketCore", dependencies: [
            "Cedar", "WicketMCP", "WicketFastCGI", "WicketStore", "WicketGeo", "CCurl",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "wicket", dependencies: [
            "WicketCore", "Cedar", "WicketStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),

        .executableTarget(name: "cedar-bench", dependencies: ["Cedar"], path: "Benchmarks/cedar-bench"),
        .executableTarget(name: "pipeline-bench", dependencies: [
            "WicketCore", "WicketFastCGI", "WicketGeo", "WicketStore", .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/pipeline-bench"),
        .executableTarget(name: "audit-bench", dependencies: ["WicketStore"], path: "Benchmarks/audit-bench"),

        .testTarget(name: "CedarTests", dependencies: ["Cedar"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WicketMCPTests", dependencies: ["WicketMCP"]),
        .testTarget(name: "WicketFastCGITests", dependencies: ["WicketFastCGI"]),
        .testTarget(name: "WicketStoreTests", dependencies: ["WicketStore"]),
        .testTarget(name: "WicketGeoTests", dependencies: ["WicketGeo"]),
        .testTarget(name: "WicketCoreTests", dependencies: [
            "WicketCore", "Cedar", "WicketMCP", "WicketFastCGI", "WicketStore", "WicketGeo",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    ]
)
