import Cedar
import CedarTooling
import Foundation
import Testing

/// The cedar-examples use cases, run the way upstream drives them with the Cedar CLI
/// (`@id` renaming, template links, schema except for document_cloud and github_example);
/// the folder a request file is in (`ALLOW` / `DENY`) is the expected decision.
@Suite("Cedar example scenarios")
struct ExampleScenarioTests {
    @Test func decisionsMatchTheirFolders() throws {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("cedar-examples/use-cases")
        let fm = FileManager.default
        var scenarios: [URL] = []
        let walker = fm.enumerator(at: root, includingPropertiesForKeys: nil)
        while let u = walker?.nextObject() as? URL {
            if u.lastPathComponent == "policies.cedar" { scenarios.append(u.deletingLastPathComponent()) }
        }
        var checked = 0
        for dir in scenarios.sorted(by: { $0.path < $1.path }) {
            func input(_ name: String) throws -> AuthorizationCall.Input? {
                let u = dir.appendingPathComponent(name)
                guard fm.fileExists(atPath: u.path) else { return nil }
                return .init(name: u.path, text: try String(contentsOf: u, encoding: .utf8))
            }
            var call = AuthorizationCall(
                policies: try #require(try input("policies.cedar")), entities: try #require(try input("entities.json")))
            let noSchema = ["document_cloud", "github_example"].contains(dir.lastPathComponent)
            if !noSchema { call.schema = try input("policies.cedarschema") }
            call.templateLinks = try input("linked")
            for decision in ["ALLOW", "DENY"] {
                let requests =
                    (try? fm.contentsOfDirectory(at: dir.appendingPathComponent(decision), includingPropertiesForKeys: nil)) ?? []
                for r in requests where r.pathExtension == "json" {
                    call.requestJSON = .init(name: r.path, text: try String(contentsOf: r, encoding: .utf8))
                    do {
                        let response = try call.run()
                        #expect(
                            response.decision.rawValue.uppercased() == decision,
                            "\(r.path): got \(response.decision) \(response.reasons) \(response.errors)")
                    } catch {
                        Issue.record("\(r.path): \(error)")
                    }
                    checked += 1
                }
            }
        }
        print("cedar-examples: \(checked) scenario requests checked")
        #expect(checked == 46)
    }
}
