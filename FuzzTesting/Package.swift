// swift-tools-version:6.0
// libFuzzer targets for the Cedar parsers. Build (Linux):
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
        .executableTarget(name: "FuzzPolicyParser", dependencies: [.product(name: "Cedar", package: "Wicket")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzEntityJSON", dependencies: [.product(name: "Cedar", package: "Wicket")], swiftSettings: fuzz),
        .executableTarget(name: "FuzzMCP", dependencies: [.product(name: "WicketMCP", package: "Wicket")], swiftSettings: fuzz),
    ]
)
