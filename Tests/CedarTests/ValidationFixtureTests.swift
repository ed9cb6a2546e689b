import Foundation
import Testing

@testable import Cedar

/// A small copy of the Cedar corpus (Fixtures/validation, Apache-2.0) so that validation against
/// the reference verdicts runs without `../shared`.
@Suite struct ValidationFixtureTests {
    static var directory: URL {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) {
            return url.appendingPathComponent("validation")
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/validation")
    }

    static func cases() throws -> [(hash: String, shouldValidate: Bool)] {
        let data = try Data(contentsOf: directory.appendingPathComponent("cases.json"))
        let manifest = try JSONDecoder().decode([String: Bool].self, from: data)
        return manifest.keys.sorted().compactMap { key in manifest[key].map { (key, $0) } }
    }

    @Test func fixtureSetHoldsBothVerdicts() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 30)
        #expect(cases.contains { $0.shouldValidate })
        #expect(cases.contains { !$0.shouldValidate })
    }

    @Test(arguments: ["cedar", "json"])
    func fixtureVerdictsMatchCedar(format: String) throws {
        for (hash, expected) in try Self.cases() {
            let dir = Self.directory
            let policies = try PolicyParser.parsePolicies(
                String(contentsOf: dir.appendingPathComponent("\(hash).cedar"), encoding: .utf8), file: "\(hash).cedar")
            let schema =
                format == "cedar"
                ? try Schema(cedarText: String(contentsOf: dir.appendingPathComponent("\(hash).cedarschema"), encoding: .utf8))
                : try Schema(json: Data(contentsOf: dir.appendingPathComponent("\(hash).cedarschema.json")))
            let result = Validator(schema: schema).validate(policies)
            #expect(result.passed == expected, "\(hash) (\(format)): \(result.errors.map(\.message))")
            if !expected {
                #expect(result.errors.allSatisfy { $0.policyID == "policy0" && $0.location?.file == "\(hash).cedar" })
            }
        }
    }
}
