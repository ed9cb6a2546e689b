import Foundation
import Testing

@testable import Cedar

/// Replays the `shouldValidate` verdicts of the Cedar corpus (cedar-integration-tests) against the
/// strict validator, once with each corpus schema in Cedar syntax and once in JSON syntax.
@Suite struct ValidationConformanceTests {
    struct TestFile: Decodable {
        var policies: String
        var schema: String
        var shouldValidate: Bool
    }

    struct Tally: CustomStringConvertible {
        var total = 0
        var matched = 0
        var policyParseErrors = 0
        var schemaErrors = 0
        var mismatches: [String] = []

        var description: String {
            "\(matched)/\(total) verdicts matched (\(policyParseErrors) policy parse errors, \(schemaErrors) schema errors)"
        }
    }

    /// Runs one case: returns nil on a match, else a description of the mismatch.
    static func check(policyText: String, schema: () throws -> Schema, expected: Bool, name: String, tally: inout Tally) {
        tally.total += 1
        let policies: [Policy]
        do {
            policies = try PolicyParser.parsePolicies(policyText, file: name)
        } catch {
            tally.policyParseErrors += 1
            if expected { tally.mismatches.append("\(name): policy does not parse: \(error)") } else { tally.matched += 1 }
            return
        }
        let loaded: Schema
        do {
            loaded = try schema()
        } catch {
            tally.schemaErrors += 1
            tally.mismatches.append("\(name): schema error: \(error)")
            return
        }
        let result = Validator(schema: loaded).validate(policies)
        if result.passed == expected {
            tally.matched += 1
        } else {
            let detail = result.errors.map(\.message).joined(separator: "; ")
            tally.mismatches.append(
                "\(name): expected \(expected ? "valid" : "invalid"), got \(result.passed ? "valid" : "invalid") \(detail)")
        }
    }

    @Test(.enabled(if: SchemaCorpus.root != nil, "skipped: ../shared/conformance/cedar is absent"))
    func corpusVerdictsMatchInBothSchemaFormats() throws {
        guard let root = SchemaCorpus.root else {
            print("skipping the validation corpus: ../shared/conformance/cedar is absent")
            return
        }
        var cedar = Tally()
        var json = Tally()
        for file in SchemaCorpus.testFiles(root) {
            let test = try JSONDecoder().decode(TestFile.self, from: Data(contentsOf: file))
            let hash = file.deletingPathExtension().lastPathComponent
            let policyText = try String(contentsOf: root.appendingPathComponent(test.policies), encoding: .utf8)
            let schemaText = try String(contentsOf: root.appendingPathComponent(test.schema), encoding: .utf8)
            Self.check(
                policyText: policyText, schema: { try Schema(cedarText: schemaText, filename: hash) },
                expected: test.shouldValidate, name: hash, tally: &cedar)
            let jsonURL = root.appendingPathComponent("cedar-go-extras/corpus-tests-json-schemas/\(hash).cedarschema.json")
            if let data = try? Data(contentsOf: jsonURL) {
                Self.check(
                    policyText: policyText, schema: { try Schema(json: data, filename: hash) },
                    expected: test.shouldValidate, name: hash, tally: &json)
            }
        }
        print("validation corpus, Cedar schema syntax: \(cedar)")
        print("validation corpus, JSON schema syntax: \(json)")
        for line in cedar.mismatches.prefix(40) { print("  cedar mismatch \(line)") }
        for line in json.mismatches.prefix(10) { print("  json mismatch \(line)") }
        #expect(cedar.total == 7809)
        #expect(json.total == 7750)
        #expect(cedar.mismatches.isEmpty, "\(cedar.mismatches.count) mismatches with the Cedar schema syntax")
        #expect(json.mismatches.isEmpty, "\(json.mismatches.count) mismatches with the JSON schema syntax")
    }

    @Test(.enabled(if: SchemaCorpus.root != nil, "skipped: ../shared/conformance/cedar is absent"))
    func handWrittenVerdictsMatch() throws {
        guard let root = SchemaCorpus.root else {
            print("skipping the hand-written validation tests: ../shared/conformance/cedar is absent")
            return
        }
        var tally = Tally()
        let tests = root.appendingPathComponent("tests")
        for group in try FileManager.default.contentsOfDirectory(atPath: tests.path).sorted() {
            let dir = tests.appendingPathComponent(group)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".json") {
                let test = try JSONDecoder().decode(TestFile.self, from: Data(contentsOf: dir.appendingPathComponent(name)))
                let policyText = try String(contentsOf: root.appendingPathComponent(test.policies), encoding: .utf8)
                let schemaText = try String(contentsOf: root.appendingPathComponent(test.schema), encoding: .utf8)
                Self.check(
                    policyText: policyText, schema: { try Schema(cedarText: schemaText, filename: test.schema) },
                    expected: test.shouldValidate, name: "\(group)/\(name)", tally: &tally)
            }
        }
        print("hand-written validation tests: \(tally)")
        #expect(tally.total == 22)
        #expect(tally.mismatches.isEmpty, "\(tally.mismatches)")
    }
}
