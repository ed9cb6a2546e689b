import Foundation
import Testing
import WicketJSON

@testable import Cedar

@Suite struct ValidationRequestAndEntityTests {
    static let schema: Schema? = try? Schema(
        cedarText: """
            namespace App {
              entity Group;
              entity User in [Group] = { name: String, age?: Long, ip: ipaddr, boss?: User, roles: Set<String> } tags Long;
              entity Color enum ["red"];
              action "tools/call";
              action view in ["tools/call"] appliesTo { principal: [User], resource: [Group, Color],
                                                        context: { src: ipaddr, at?: datetime, by: User } };
            }
            """, filename: "app.cedarschema")

    static func user(_ id: String) -> EntityUID { EntityUID("App::User", id) }
    static let view = EntityUID("App::Action", "view")

    @Test func contextJSONUsesImplicitEntityAndExtensionForms() throws {
        let schema = try #require(Self.schema)
        let json = try CedarJSON.parse(#"{"src": "10.1.2.3", "at": "2024-05-01T10:00:00Z", "by": {"type": "App::User", "id": "b"}}"#)
        let context = try EntityJSON.context(json, action: Self.view, typing: schema)
        #expect(context["by"] == .entity(Self.user("b")))
        #expect(context["src"] == .ext(.ipaddr(try #require(IPAddr(parsing: "10.1.2.3")))))
        guard case .ext(.datetime)? = context["at"] else {
            Issue.record("`at` was not decoded as a datetime")
            return
        }
        let explicit = try CedarJSON.parse(
            #"{"src": {"__extn": {"fn": "ip", "arg": "::1"}}, "by": {"__entity": {"type": "App::User", "id": "c"}}}"#)
        #expect(try EntityJSON.context(explicit, action: Self.view, typing: schema)["by"] == .entity(Self.user("c")))
    }

    @Test func contextJSONMismatchesAreErrors() throws {
        let schema = try #require(Self.schema)
        for text in [
            #"{"src": "not an ip", "by": {"type": "App::User", "id": "b"}}"#,
            #"{"src": "::1"}"#,
            #"{"src": "::1", "by": {"type": "App::Group", "id": "g"}}"#,
            #"{"src": "::1", "by": {"type": "App::User", "id": "b"}, "extra": 1}"#,
            #"{"src": {"__extn": {"fn": "decimal", "arg": "1.0"}}, "by": {"type": "App::User", "id": "b"}}"#,
        ] {
            #expect(throws: CedarJSONError.self, "\(text)") {
                try EntityJSON.context(try CedarJSON.parse(text), action: Self.view, typing: schema)
            }
        }
    }

    @Test func entityJSONIsTypedBySchema() throws {
        let schema = try #require(Self.schema)
        let text = #"""
            [{"uid": {"type": "App::User", "id": "a"}, "parents": [{"type": "App::Group", "id": "g"}],
              "attrs": {"name": "A", "ip": "127.0.0.1", "roles": ["x"], "boss": {"type": "App::User", "id": "b"}},
              "tags": {"level": 3}}]
            """#
        let entities = try EntityJSON.parse(text, typing: schema)
        let alice = try #require(entities.first)
        #expect(alice.attributes["boss"] == .entity(Self.user("b")))
        #expect(alice.tags["level"] == .long(3))
        #expect(schema.validateEntity(alice).isEmpty)
        #expect(throws: CedarJSONError.self) {
            try EntityJSON.parse(
                #"[{"uid": {"type": "App::User", "id": "a"}, "parents": [], "attrs": {"name": "A", "ip": "::1", "roles": [], "age": "old"}}]"#,
                typing: schema)
        }
        #expect(throws: CedarJSONError.self) {
            try EntityJSON.parse(#"[{"uid": {"type": "App::Nope", "id": "a"}, "parents": [], "attrs": {}}]"#, typing: schema)
        }
    }

    @Test func requestValidation() throws {
        let schema = try #require(Self.schema)
        let context: [ExactString: Value] = [
            "src": .ext(.ipaddr(try #require(IPAddr(parsing: "::1")))), "by": .entity(Self.user("b")),
        ]
        try schema.validateRequest(
            Request(principal: Self.user("a"), action: Self.view, resource: EntityUID("App::Group", "g"), context: context))
        func code(_ request: Request) -> SchemaConformanceError.Code? {
            do { try schema.validateRequest(request) } catch { return error.code }
            return nil
        }
        #expect(
            code(
                Request(
                    principal: EntityUID("App::Group", "g"), action: Self.view, resource: EntityUID("App::Group", "g"), context: context))
                == .invalidPrincipalType)
        #expect(
            code(Request(principal: Self.user("a"), action: Self.view, resource: Self.user("b"), context: context)) == .invalidResourceType)
        #expect(
            code(
                Request(
                    principal: Self.user("a"), action: EntityUID("App::Action", "nope"), resource: EntityUID("App::Group", "g"),
                    context: context)) == .undeclaredAction)
        #expect(
            code(Request(principal: Self.user("a"), action: Self.view, resource: EntityUID("App::Color", "blue"), context: context))
                == .invalidEnumEntity)
        #expect(
            code(Request(principal: Self.user("a"), action: Self.view, resource: EntityUID("App::Group", "g"), context: ["src": .long(1)]))
                == .contextMismatch)
    }

    @Test func entityValidation() throws {
        let schema = try #require(Self.schema)
        let valid = Entity(
            uid: Self.user("a"),
            attributes: ["name": .string("A"), "ip": .ext(.ipaddr(try #require(IPAddr(parsing: "::1")))), "roles": .set([])],
            parents: [EntityUID("App::Group", "g")], tags: ["t": .long(1)])
        #expect(schema.validateEntity(valid).isEmpty)
        var bad = valid
        bad.parents = [EntityUID("App::Color", "red")]
        bad.attributes["name"] = .long(1)
        bad.attributes["unknown"] = .bool(true)
        bad.attributes["ip"] = nil
        bad.tags = ["t": .string("x")]
        #expect(
            Set(schema.validateEntity(bad).map(\.code)) == [
                .invalidParent, .attributeMismatch, .undeclaredAttribute, .missingAttribute, .tagMismatch,
            ])
        #expect(schema.validateEntity(Entity(uid: EntityUID("App::Color", "blue"))).map(\.code) == [.invalidEnumEntity])
        #expect(schema.validateEntity(Entity(uid: EntityUID("App::Nope", "x"))).map(\.code) == [.undeclaredEntityType])
        let group = EntityUID("App::Action", "tools/call")
        #expect(schema.validateEntity(Entity(uid: Self.view, parents: [group])).isEmpty)
        #expect(schema.validateEntity(Entity(uid: Self.view)).map(\.code) == [.actionMismatch])
    }

    @Test func actionEntitiesCarryTheirGroups() throws {
        let schema = try #require(Self.schema)
        let entities = Dictionary(uniqueKeysWithValues: schema.actionEntities().map { ($0.uid, $0) })
        #expect(entities.count == 2)
        #expect(entities[Self.view]?.parents == [EntityUID("App::Action", "tools/call")])
        #expect(schema.action(Self.view)?.resourceTypes == ["App::Group", "App::Color"])
    }
}
