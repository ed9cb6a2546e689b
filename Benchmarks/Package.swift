// swift-tools-version:6.0
// The benchmarks, a package of their own (as FuzzTesting/ is) so `swift build` of Wicket does not
// build them. From the repository root: `make bench` (or `make bench-cedar`, `bench-audit`,
// `bench-path`); by hand: `swift build -c release --package-path Benchmarks --product pipeline-bench`.
import PackageDescription

let package = Package(
    name: "WicketBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Wicket", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(name: "cedar-bench", dependencies: [
            .product(name: "Cedar", package: "Wicket"), .product(name: "WicketJSON", package: "Wicket"),
        ], path: "cedar-bench"),
        .executableTarget(name: "pipeline-bench", dependencies: [
            .product(name: "WicketServer", package: "Wicket"), .product(name: "WicketCore", package: "Wicket"),
            .product(name: "WicketFastCGI", package: "Wicket"), .product(name: "WicketGeo", package: "Wicket"),
            .product(name: "WicketStore", package: "Wicket"), .product(name: "Logging", package: "swift-log"),
        ], path: "pipeline-bench"),
        .executableTarget(name: "json-bench", dependencies: [.product(name: "WicketJSON", package: "Wicket")], path: "json-bench"),
        .executableTarget(name: "audit-bench", dependencies: [.product(name: "WicketStore", package: "Wicket")], path: "audit-bench"),
        .executableTarget(name: "front-responder", dependencies: [
            .product(name: "WicketFastCGI", package: "Wicket"), .product(name: "Logging", package: "swift-log"),
        ], path: "front-responder"),
    ]
)
