// swift-tools-version:6.0
// libFuzzer targets for the Cedar parsers, the strict JSON reader and the MCP classifier. Build (Linux):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address
// (`-parse-as-library` is set per target below, so SwiftPM leaves `main` to libFuzzer.)
// Run:
//   .build/debug/FuzzPolicyParser -max_total_time=300 Corpus/PolicyParser
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "WicketFuzzTesting",
    dependencies: [.package(name: "Wicket", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzPolicyParser", dependencies: ["FuzzSupport", .product(name: "Cedar", package: "Wicket")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzEntityJSON", dependencies: ["FuzzSupport", .product(name: "Cedar", package: "Wicket")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", .product(name: "WicketJSON", package: "Wicket")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzMCP", dependencies: [
            "FuzzSupport", .product(name: "WicketMCP", package: "Wicket"), .product(name: "WicketJSON", package: "Wicket"),
        ], swiftSettings: fuzz),
    ]
)
