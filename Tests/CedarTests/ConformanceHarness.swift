import Cedar
import Foundation
import WicketJSON

/// Runs tests in the cedar-integration-tests format (see the Fixtures README) in-process.
struct ConformanceHarness {
    /// Directory the test files' relative paths are resolved against.
    let root: URL

    struct Outcome {
        var tests = 0
        var requests = 0
        var passed = 0
        var failures: [String] = []
        mutating func merge(_ o: Outcome) {
            tests += o.tests
            requests += o.requests
            passed += o.passed
            failures += o.failures
        }
    }

    func read(_ rel: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(rel), encoding: .utf8)
    }

    /// Runs one test file; every request is compared on decision, reasons and errors (as sets).
    func run(testFile: URL) -> Outcome {
        var out = Outcome()
        out.tests = 1
        let name = testFile.lastPathComponent
        do {
            let testJSON = try CedarJSON.parse(try String(contentsOf: testFile, encoding: .utf8))
            guard case .string(let policiesPath)? = testJSON["policies"],
                case .string(let entitiesPath)? = testJSON["entities"],
                case .array(let requests)? = testJSON["requests"]
            else {
                out.failures.append("\(name): malformed test file")
                return out
            }
            out.requests = requests.count
            let policies = try PolicySet(text: try read(policiesPath), file: policiesPath)
            var schema: ConformanceSchema?
            if case .string(let schemaPath)? = testJSON["schema"] {
                schema = try ConformanceSchema.load(text: try read(schemaPath), file: schemaPath)
            }
            var entities = try EntityJSON.parse(try read(entitiesPath), typing: schema?.typing)
            if let schema { entities += schema.actionEntities }
            let store = Entities(entities)
            for (k, r) in requests.enumerated() {
                do {
                    let principal = try CedarJSON.entityUID(r["principal"] ?? .null)
                    let action = try CedarJSON.entityUID(r["action"] ?? .null)
                    let resource = try CedarJSON.entityUID(r["resource"] ?? .null)
                    let context = try EntityJSON.context(r["context"] ?? .object([:]), action: action, typing: schema?.typing)
                    let request = Request(principal: principal, action: action, resource: resource, context: context)
                    if let schema, r["validateRequest"] != .bool(false) { try schema.validate(request) }
                    let response = Authorizer.isAuthorized(request, policies: policies, entities: store)
                    let want = Expected(r)
                    let gotErrors = Set(response.errors.map(\.policyID))
                    if response.decision.rawValue == want.decision && Set(response.reasons) == want.reasons
                        && gotErrors == want.errors
                    {
                        out.passed += 1
                    } else {
                        out.failures.append(
                            "\(name) request \(k): want \(want.decision) \(want.reasons.sorted()) errors \(want.errors.sorted()); got \(response.decision.rawValue) \(response.reasons.sorted()) errors \(response.errors.map { "\($0.policyID): \($0.error)" })"
                        )
                    }
                } catch {
                    out.failures.append("\(name) request \(k): \(error)")
                }
            }
        } catch {
            out.failures.append("\(name): \(error)")
        }
        return out
    }

    struct Expected {
        var decision = ""
        var reasons = Set<String>()
        var errors = Set<String>()
        init(_ r: JSONValue) {
            if case .string(let d)? = r["decision"] { decision = d }
            if case .array(let a)? = r["reason"] { for case .string(let s) in a { reasons.insert(s) } }
            if case .array(let a)? = r["errors"] { for case .string(let s) in a { errors.insert(s) } }
        }
    }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
