import Foundation
import Testing

@testable import Cedar

@Suite struct SchemaParsingTests {
    @Test func parsesNamespacesEntitiesAndActions() throws {
        let text = """
            namespace App {
              type Address = { city: String, zip?: String };
              @doc("a user")
              entity User in [Group] = { name: String, age?: Long, home: Address, ip: ipaddr } tags Set<String>;
              entity Group;
              entity Color enum ["red", "green"];
              action "read", write in [Action::"all"] appliesTo { principal: [User], resource: Group, context: { n: __cedar::Long } };
              action all;
            }
            """
        let schema = try Schema(cedarText: text, filename: "app.cedarschema")
        let user = try #require(schema.entityTypes["App::User"])
        #expect(user.memberOfTypes == ["App::Group"])
        #expect(user.tags == .set(.string))
        #expect(user.annotations["doc"] == "a user")
        #expect(schema.attributeType(of: "App::User", "age") == AttributeSchemaType(type: .long, isRequired: false))
        #expect(schema.attributeType(of: "App::User", "ip")?.type == .extensionType("ipaddr"))
        guard case .record(let address) = schema.attributeType(of: "App::User", "home")?.type else {
            Issue.record("common type was not expanded")
            return
        }
        #expect(address.attributes["zip"]?.isRequired == false)
        #expect(schema.entityTypes["App::Color"]?.enumIDs == ["red", "green"])
        let read = Schema.ActionID(type: "App::Action", id: "read")
        let all = Schema.ActionID(type: "App::Action", id: "all")
        #expect(schema.actions[read]?.memberOf == [all])
        #expect(schema.actions[read]?.principalTypes == ["App::User"])
        #expect(schema.actions[read]?.resourceTypes == ["App::Group"])
        #expect(schema.contextType(for: read)?.attributes["n"]?.type == .long)
        #expect(schema.action(read, isIn: all))
        #expect(schema.entityType("App::User", mayBeIn: "App::Group"))
        #expect(!schema.entityType("App::Group", mayBeIn: "App::User"))
    }

    @Test func unqualifiedNamesPreferTheNamespaceThenTheEmptyNamespace() throws {
        let text = """
            entity Outer;
            entity String;
            namespace N { entity Inner = { a: Outer, b: String, c: __cedar::String, d: Inner }; }
            """
        let schema = try Schema(cedarText: text)
        #expect(schema.attributeType(of: "N::Inner", "a")?.type == .entity("Outer"))
        #expect(schema.attributeType(of: "N::Inner", "b")?.type == .entity("String"))
        #expect(schema.attributeType(of: "N::Inner", "c")?.type == .string)
        #expect(schema.attributeType(of: "N::Inner", "d")?.type == .entity("N::Inner"))
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        #expect {
            try Schema(cedarText: "entity A;\nentity B = { x: Long ;", filename: "s.cedarschema")
        } throws: { error in
            guard let error = error as? SchemaError else { return false }
            return error.code == .syntax && error.line == 2 && error.column == 22 && error.file == "s.cedarschema"
        }
    }

    @Test func undeclaredTypesAreRejected() {
        #expect(throws: SchemaError.self) { try Schema(cedarText: "entity A in [B];") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "entity A = { x: Nope };") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "action a in [\"missing\"];") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "action a in [\"b\"]; action b in [\"a\"];") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "entity A; entity A;") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "namespace N { entity A; } namespace N { entity B; }") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "entity A; action a appliesTo { principal: A };") }
    }

    @Test func declarationsMayNotShadowTheEmptyNamespace() throws {
        #expect(throws: SchemaError.self) { try Schema(cedarText: "entity A; namespace N { entity A; }") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "type A = String; namespace N { entity A; }") }
        #expect(throws: SchemaError.self) { try Schema(cedarText: "action a; namespace N { action a; }") }
        _ = try Schema(cedarText: "entity A; namespace N { entity B; action a; } namespace M { entity B; action a; }")
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "Set<", count: 10_000) + "Long" + String(repeating: ">", count: 10_000)
        #expect(throws: SchemaError.self) { try Schema(cedarText: "entity A = { x: \(deep) };") }
        let json =
            String(repeating: #"{"type": "Set", "element": "#, count: 300) + #"{"type": "Long"}"# + String(repeating: "}", count: 300)
        #expect(throws: SchemaError.self) {
            try Schema(json: #"{"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {"x": "# + json + "}}}}}}")
        }
    }

    @Test func invalidJSONReportsLineAndColumn() {
        #expect {
            try Schema(json: "{\n  \"\": {\n    \"entityTypes\": {,}\n  }\n}", filename: "s.json")
        } throws: { error in
            guard let error = error as? SchemaError else { return false }
            return error.code == .invalidJSON && error.line == 3 && error.file == "s.json"
        }
    }

    @Test func jsonDuplicateKeysAreRejected() {
        #expect(throws: SchemaError.self) { try Schema(json: #"{"": {"entityTypes": {"A": {}, "A": {}}}}"#) }
    }

    @Test func parsesTheJSONFormat() throws {
        let json = """
            {"NS": {"entityTypes": {
                "User": {"memberOfTypes": ["Team"], "shape": {"type": "Record", "attributes": {
                    "name": {"type": "String"}, "age": {"type": "Long", "required": false},
                    "ip": {"type": "Extension", "name": "ipaddr"}, "team": {"type": "Entity", "name": "Team"},
                    "tags": {"type": "Set", "element": {"type": "EntityOrCommon", "name": "__cedar::String"}}}},
                    "tags": {"type": "Boolean"}},
                "Team": {"enum": ["a"]}},
              "actions": {"view": {"memberOf": [{"id": "all"}], "appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Team"],
                  "context": {"type": "Record", "attributes": {"flag": {"type": "Boolean"}}}}},
                  "all": {}}}}
            """
        let schema = try Schema(json: json)
        #expect(schema.attributeType(of: "NS::User", "age") == AttributeSchemaType(type: .long, isRequired: false))
        #expect(schema.attributeType(of: "NS::User", "team")?.type == .entity("NS::Team"))
        #expect(schema.attributeType(of: "NS::User", "tags")?.type == .set(.string))
        #expect(schema.entityTypes["NS::User"]?.tags == .bool)
        let view = Schema.ActionID(type: "NS::Action", id: "view")
        #expect(schema.actions[view]?.memberOf == [Schema.ActionID(type: "NS::Action", id: "all")])
        #expect(schema.contextType(for: view)?.attributes["flag"]?.type == .bool)
    }

    @Test(.enabled(if: SchemaCorpus.root != nil, "skipped: ../shared/conformance/cedar is absent"))
    func everyCorpusSchemaParsesInBothFormats() throws {
        guard let root = SchemaCorpus.root else {
            print("skipping: ../shared/conformance/cedar is absent")
            return
        }
        var failures: [String] = []
        var count = 0
        var jsonCount = 0
        for file in SchemaCorpus.testFiles(root) {
            let base = file.deletingPathExtension()
            let hash = base.lastPathComponent
            let text = try String(contentsOf: base.appendingPathExtension("cedarschema"), encoding: .utf8)
            do { _ = try Schema(cedarText: text, filename: hash) } catch { failures.append("\(hash): \(error)") }
            let jsonURL = root.appendingPathComponent("cedar-go-extras/corpus-tests-json-schemas/\(hash).cedarschema.json")
            if let data = try? Data(contentsOf: jsonURL) {
                jsonCount += 1
                do { _ = try Schema(json: data, filename: hash) } catch { failures.append("\(hash) json: \(error)") }
            }
            count += 1
        }
        #expect(count == 7809)
        #expect(jsonCount == 7750)
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
    }
}
