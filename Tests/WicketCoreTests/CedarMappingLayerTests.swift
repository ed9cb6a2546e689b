import Cedar
import Foundation
import Testing

@testable import WicketCore

/// The request's Cedar entities built from per-upstream layers (`CedarMapping.resolve(_:over:)`)
/// are the flat overlay the mapping's entity list gives, for every kind of message; and the schema's
/// request checks, built once per loaded schema, follow a schema reload.
@Suite struct CedarMappingLayerTests {
    static let mapping = CedarMapping(namespace: "ServiceMCP", serverName: "database")

    static func base() throws -> Entities {
        let members = try PolicyLoader.loadEntities(at: PipelineHarness.repoFile("policies/acme/entities.json"))
        return try NamespacedEntities.place(members, in: "ServiceMCP")
    }

    static var messages: [MessageFacts] {
        var all = CedarMapping.reservedActionIDs.sorted().map { MessageFacts(method: $0, target: .none) }
        all += [
            MessageFacts(method: "tools/call", target: .tool("query")),
            MessageFacts(method: "tools/call", target: .tool("query"), mappedResource: "prod.customer_records"),
            MessageFacts(method: "tools/call", target: .tool("Ma\u{308}rz")),
            // Refused before any decision in the pipeline, but the store must still be the overlay.
            MessageFacts(method: "tools/call", target: .tool("tools/call")),
            MessageFacts(method: "tools/call", target: .tool("session")),
            MessageFacts(method: "resources/read", target: .resource("file:///a")),
            MessageFacts(method: "prompts/get", target: .prompt("greet")),
            MessageFacts(method: "completion/complete", target: .prompt("greet")),
            MessageFacts(method: "vendor/unknown", target: .none),
            MessageFacts(method: "to\u{301}ols/list", target: .none),
        ]
        return all
    }

    @Test func theLayeredStoreIsTheFlatOverlayForEveryMessage() throws {
        let base = try Self.base()
        let mapping = Self.mapping
        let actionType = mapping.actionType
        var uids = base.all.map(\.uid) + [mapping.serverUID, mapping.principal(member: "alex@company.com")]
        uids += CedarMapping.reservedActionIDs.map { EntityUID(type: actionType, id: $0) }
        for facts in Self.messages {
            let (action, resource, store) = mapping.resolve(facts, over: base)
            let flat = mapping.resolve(facts)
            #expect(action == flat.action && resource == flat.resource)
            let overlay = LayeredEntityStore(base: base, overlay: flat.entities)
            for uid in uids + [action, resource] + flat.entities.map(\.uid) {
                #expect(store.entity(uid) == overlay.entity(uid), "\(facts.method) \(uid)")
                #expect(store.ancestors(of: uid) == overlay.ancestors(of: uid), "\(facts.method) \(uid)")
                #expect(store.attributes(of: uid) == overlay.attributes(of: uid), "\(facts.method) \(uid)")
            }
        }
    }

    /// The schema's request checks are built with each snapshot: a reloaded schema that no longer
    /// declares the `agent` context attribute refuses the very next request (a validator kept from the
    /// first schema would let it through).
    @Test func aReloadedSchemaIsTheOneRequestsAreCheckedAgainst() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let tenant = try #require(h.tenants["acme"])
            let acme = try #require(h.config.tenant(named: "acme"))
            let path = try #require(acme.schema)
            #expect(try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex))).status == 200)

            let text = try String(contentsOfFile: path, encoding: .utf8)
            let narrowed = text.replacingOccurrences(of: "agent: String,", with: "")
            #expect(narrowed != text, "the example schema declares `agent`")
            try narrowed.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))

            let refused = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex)))
            #expect(refused.status == 403)
            #expect(refused.record?.errors.contains { $0.hasPrefix("schema: context") } == true)

            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))
            #expect(try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex))).status == 200)
        }
    }
}
