import Foundation
import Testing
import WicketJSON

@testable import Cedar

/// Every corpus entity file and request must decode with the schema (implicit entity references and
/// extension strings included) and conform to it, as the reference harness requires.
@Suite struct ValidationRequestCorpusTests {
    @Test(.enabled(if: SchemaCorpus.root != nil, "skipped: ../shared/conformance/cedar is absent"))
    func corpusEntitiesAndRequestsConformToTheirSchemas() throws {
        guard let root = SchemaCorpus.root else {
            print("skipping the request corpus: ../shared/conformance/cedar is absent")
            return
        }
        var failures: [String] = []
        var entityCount = 0
        var requestCount = 0
        for file in SchemaCorpus.testFiles(root) {
            let hash = file.deletingPathExtension().lastPathComponent
            let test = try CedarJSON.parse(String(contentsOf: file, encoding: .utf8))
            guard case .string(let schemaPath)? = test["schema"], case .string(let entitiesPath)? = test["entities"],
                case .array(let requests)? = test["requests"]
            else {
                failures.append("\(hash): malformed test file")
                continue
            }
            let schema = try Schema(cedarText: String(contentsOf: root.appendingPathComponent(schemaPath), encoding: .utf8))
            do {
                let entities = try EntityJSON.parse(
                    String(contentsOf: root.appendingPathComponent(entitiesPath), encoding: .utf8), typing: schema)
                for entity in entities {
                    entityCount += 1
                    let errors = schema.validateEntity(entity)
                    if !errors.isEmpty { failures.append("\(hash): \(errors)") }
                }
            } catch {
                failures.append("\(hash): entities: \(error)")
            }
            for request in requests {
                requestCount += 1
                do {
                    guard let p = request["principal"], let a = request["action"], let r = request["resource"] else {
                        failures.append("\(hash): request without principal, action or resource")
                        continue
                    }
                    let action = try CedarJSON.entityUID(a)
                    let context = try EntityJSON.context(request["context"] ?? .object([:]), action: action, typing: schema)
                    try schema.validateRequest(
                        Request(
                            principal: try CedarJSON.entityUID(p), action: action, resource: try CedarJSON.entityUID(r), context: context))
                } catch {
                    failures.append("\(hash): request: \(error)")
                }
            }
        }
        print("request corpus: \(entityCount) entities, \(requestCount) requests, \(failures.count) failures")
        for failure in failures.prefix(20) { print("  \(failure)") }
        #expect(requestCount == 62472)
        #expect(failures.isEmpty, "\(failures.count) corpus entities or requests do not conform")
    }
}
