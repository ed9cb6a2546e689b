// swift-tools-version:6.0
import PackageDescription

// Module map (see docs/architecture.md):
//   Cedar          the policy engine; knows nothing of MCP, FastCGI, SQLite or GeoIP
//   CedarTooling   the CLI side of Cedar: `authorize` (one call or a batch), `format` over files
//   WicketJSON     the one strict JSON reader, value type and writer (no dependencies)
//   WicketMCP      JSON-RPC 2.0 and MCP classification
//   WicketFastCGI  Wicket's own FastCGI responder: record parser, epoll event loops, kept connections, graceful shutdown
//   WicketStore    per-tenant stores (SQLite files, or a PostgreSQL database): member keys, sealed credentials, audit
//   WicketGeo      the libmaxminddb lookup
//   WicketCore     config, tenants, the decision core (no transport), nginx includes, alerts, metrics
//   WicketServer   FastCGI ↔ the decision core, the gateway's lifecycle (signals, reload, shutdown)
//   CCurl          libcurl (the synchronous HTTP client of alert delivery and upstream list calls)
//   wicket         the command line; parses arguments and holds no business logic
let package = Package(
    name: "Wicket",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wicket", targets: ["wicket"]),
        .library(name: "Cedar", targets: ["Cedar"]),
        // For the fuzz targets in FuzzTesting/ and the benchmarks in Benchmarks/ (packages of their own).
        .library(name: "WicketJSON", targets: ["WicketJSON"]),
        .library(name: "WicketMCP", targets: ["WicketMCP"]),
        .library(name: "WicketStore", targets: ["WicketStore"]),
        .library(name: "WicketGeo", targets: ["WicketGeo"]),
        .library(name: "WicketFastCGI", targets: ["WicketFastCGI"]),
        .library(name: "WicketCore", targets: ["WicketCore"]),
        .library(name: "WicketServer", targets: ["WicketServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // Linux's epoll, eventfd and accept4, which the Glibc module does not export (WicketFastCGI's event loops).
        .systemLibrary(name: "CLinuxIO"),
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgreSQL", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // A VFS over SQLite's unix VFS that writes each audit commit's WAL frames in one write.
        .target(name: "CWALGather", dependencies: ["CSQLite"]),

        .target(name: "WicketJSON"),
        .target(name: "Cedar", dependencies: ["WicketJSON"]),
        // The CLI side of Cedar: the authorize call and batch, the policy file formatter (files, exit codes).
        .target(name: "CedarTooling", dependencies: ["Cedar", "WicketJSON"]),
        .target(name: "WicketMCP", dependencies: ["WicketJSON"]),
        .target(name: "WicketFastCGI", dependencies: ["CLinuxIO", .product(name: "Logging", package: "swift-log")]),
        .target(name: "WicketStore", dependencies: [
            "CSQLite", "CWALGather", "CPostgreSQL", "WicketJSON",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "WicketGeo", dependencies: ["CMaxMindDB"]),
        .target(name: "WicketCore", dependencies: [
            "Cedar", "WicketMCP", "WicketStore", "WicketGeo", "WicketJSON", "CCurl",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "WicketServer", dependencies: [
            "WicketCore", "WicketFastCGI", .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "wicket", dependencies: [
            "WicketServer", "WicketCore", "Cedar", "CedarTooling", "WicketStore", "WicketJSON",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Helpers the test targets share (a gate a handler waits at, a wait on a condition).
        .target(name: "WicketTestSupport", path: "Tests/WicketTestSupport"),
        .testTarget(name: "CedarTests", dependencies: ["Cedar", "CedarTooling", "WicketJSON", "WicketTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WicketMCPTests", dependencies: ["WicketMCP", "WicketJSON"]),
        .testTarget(name: "WicketJSONTests", dependencies: ["WicketJSON"]),
        .testTarget(name: "WicketFastCGITests", dependencies: ["WicketFastCGI", "WicketTestSupport"]),
        .testTarget(name: "WicketStoreTests", dependencies: ["WicketStore", "WicketTestSupport"]),
        .testTarget(name: "WicketGeoTests", dependencies: ["WicketGeo"]),
        .testTarget(name: "WicketServerTests", dependencies: ["WicketServer", "WicketCore", "WicketFastCGI"]),
        .testTarget(name: "WicketCoreTests", dependencies: [
            "WicketCore", "Cedar", "WicketMCP", "WicketJSON", "WicketFastCGI", "WicketStore", "WicketGeo", "WicketTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    ]
)
