import Cedar
import Foundation
import Testing

@testable import WicketCore

/// A message's Cedar request kept per snapshot (``KeptRequest``, KeptContext.swift): keyed by bytes,
/// its schema answer the one `problem` gives, and gone with the snapshot (an entities reload is seen
/// on the next request).
@Suite struct KeptRequestTests {
    /// The shapes a kept request admits are only shapes `problem` lets through, for declared and
    /// undeclared tools, both `unknown_tools` rules, and context types that refuse some shapes.
    @Test func anAdmittedShapeIsOneTheSchemaAdmits() throws {
        var admitted = 0
        var refused = 0
        for text in ContextConformanceTests.contextTypes {
            for rule in [UnknownTools.deny, .policy] {
                let surface = ToolSurface(schema: try ContextConformanceTests.schema(context: text), unknownTools: rule)
                for (tool, resourceType) in [("query", "NS::Server"), ("query", "NS::User"), ("drop_table", "NS::Server")] {
                    let facts = MessageFacts(method: "tools/call", target: .tool(tool))
                    let bare = Request(
                        principal: EntityUID("NS::User", "a"), action: EntityUID("NS::Action", tool),
                        resource: EntityUID(resourceType, "database"))
                    let shapes = surface.admittedShapes(request: bare, facts: facts, namespace: "NS")
                    for shape in ContextShape.all {
                        guard case .record(let context)? = ContextConformanceTests.facts(shape).cedarContext() else {
                            Issue.record("the facts' address must parse")
                            return
                        }
                        let request = Request(principal: bare.principal, action: bare.action, resource: bare.resource, context: context)
                        let problem = surface.problem(request: request, facts: facts, namespace: "NS", shape: shape)
                        if shapes & (1 << UInt16(shape.bits)) != 0 {
                            #expect(problem == nil, "\(text) \(rule) \(tool) \(resourceType) shape \(shape.bits)")
                            admitted += 1
                        } else if problem != nil {
                            refused += 1
                        }
                    }
                }
            }
        }
        // Both answers occurred (a mask of all ones or all zeros would not be tested).
        #expect(admitted > 50 && refused > 50)
    }

    /// The key compares texts by their bytes: a member, tool or resource spelled with other code points
    /// (canonically equivalent, so equal as Swift `String`s) is another request.
    @Test func theKeyComparesBytes() throws {
        let mapping = CedarMapping(namespace: "NS", serverName: "database")
        func key(_ member: String, _ tool: String, _ mapped: String?) -> KeptRequestKey {
            KeptRequestKey(
                mapping: mapping, member: member, facts: MessageFacts(method: "tools/call", target: .tool(tool), mappedResource: mapped))
        }
        let same = key("ren\u{E9}@x", "qu\u{E9}ry", "t\u{C5}")
        #expect(same == key("ren\u{E9}@x", "qu\u{E9}ry", "t\u{C5}"))
        #expect(same != key("rene\u{301}@x", "qu\u{E9}ry", "t\u{C5}"))
        #expect(same != key("ren\u{E9}@x", "que\u{301}ry", "t\u{C5}"))
        #expect(same != key("ren\u{E9}@x", "qu\u{E9}ry", "t\u{212B}"))
        #expect(same != key("ren\u{E9}@x", "qu\u{E9}ry", nil))
        #expect(
            same
                != KeptRequestKey(
                    mapping: CedarMapping(namespace: "NS", serverName: "database"), member: "ren\u{E9}@x",
                    facts: MessageFacts(method: "tools/call", target: .tool("qu\u{E9}ry"), mappedResource: "t\u{C5}")))
        let resource = KeptRequestKey(mapping: mapping, member: "a", facts: MessageFacts(method: "resources/read", target: .resource("x")))
        let prompt = KeptRequestKey(mapping: mapping, member: "a", facts: MessageFacts(method: "resources/read", target: .prompt("x")))
        #expect(resource != prompt)
        // Kept apart in the table too.
        let snapshot = PolicySnapshot(
            enforced: try PolicySet(text: "permit (principal, action, resource);"), shadow: nil, entitiesByNamespace: [:],
            fingerprint: SourceFingerprint(paths: []))
        let a = snapshot.keptRequest(key("ren\u{E9}@x", "query", nil))
        let b = snapshot.keptRequest(key("rene\u{301}@x", "query", nil))
        #expect(a !== b && snapshot.keptRequests.count == 2)
        #expect(CodePoints.equal(b.principal.id, "rene\u{301}@x"))
        #expect(snapshot.keptRequest(key("ren\u{E9}@x", "query", nil)) === a)
    }

    /// The last request asked for is checked before the table (``BoundedTable``) and used only for its
    /// own key, compared by bytes: runs and alternations of two members equal as Swift `String`s (é vs
    /// e + U+0301), and of two tools, each get their own kept request.
    @Test func theLastRequestAnswersOnlyItsOwnKey() throws {
        let mapping = CedarMapping(namespace: "NS", serverName: "database")
        let snapshot = PolicySnapshot(
            enforced: try PolicySet(text: "permit (principal, action, resource);"), shadow: nil, entitiesByNamespace: [:],
            fingerprint: SourceFingerprint(paths: []))
        func kept(_ member: String, _ tool: String) -> KeptRequest {
            snapshot.keptRequest(
                KeptRequestKey(mapping: mapping, member: member, facts: MessageFacts(method: "tools/call", target: .tool(tool))))
        }
        let asked = [
            ("ren\u{E9}@x", "query"), ("ren\u{E9}@x", "query"), ("rene\u{301}@x", "query"), ("rene\u{301}@x", "query"),
            ("ren\u{E9}@x", "query"), ("ren\u{E9}@x", "qu\u{E9}ry"), ("ren\u{E9}@x", "que\u{301}ry"), ("ren\u{E9}@x", "query"),
        ]
        for (member, tool) in asked {
            let request = kept(member, tool)
            #expect(CodePoints.equal(request.key.member, member) && CodePoints.equal(request.principal.id, member), "\(member)")
            guard case .tool(let name) = request.key.facts.target else { Issue.record("not a tool"); continue }
            #expect(CodePoints.equal(name, tool) && CodePoints.equal(request.action.id, tool), "\(tool)")
        }
        #expect(kept("ren\u{E9}@x", "query") === kept("ren\u{E9}@x", "query"))
        #expect(snapshot.keptRequests.count == 4)
    }

    /// The kept request goes with the snapshot: after the entities file drops the member from the group
    /// that grants the tool and is reloaded, the next call is denied; put back, allowed again.
    @Test func anEntitiesReloadIsSeenOnTheNextRequest() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let tenant = try #require(h.tenants["acme"])
            let path = try #require(h.config.tenant(named: "acme")).entities
            let original = try String(contentsOfFile: path, encoding: .utf8)
            let call = {
                try h.send(h.request(Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#), key: h.key(PipelineHarness.alex)))
            }
            try call().expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            try call().expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(tenant.snapshot.keptRequests.count >= 1, "the call's request was kept")

            let dropped = original.replacingOccurrences(
                of: #"[ { "type": "Group", "id": "engineering" }, { "type": "Group", "id": "members" } ]"#,
                with: #"[ { "type": "Group", "id": "members" } ]"#)
            #expect(dropped != original, "alex is in engineering")
            try dropped.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))
            try call().expectDenied(status: 403, code: -32003, words: ["no policy permits"])

            try original.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))
            try call().expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
        }
    }

    /// A verdict read from kept requests (filled on first use, then hit with other contexts) answers as
    /// one built per request (the flat overlay, the whole index, the explanation walked), on generated
    /// policies with conditions that read the context and ones that do not, with a shadow set.
    @Test(arguments: [UInt64(5), 6, 7])
    func aKeptRequestAnswersAsOneBuiltPerRequest(seed: UInt64) throws {
        typealias L = ListFilterLayersTests
        let members = try PolicyLoader.loadEntities(at: PipelineHarness.repoFile("policies/acme/entities.json"))
        let base = try NamespacedEntities.place(members, in: L.namespace)
        let mapping = L.mapping
        var g = L.Generator(state: seed)
        var (compared, allowed, keptExplanations) = (0, 0, 0)
        for _ in 0..<60 {
            let text = (0..<(1 + g.below(7))).map { L.policy(&g, index: $0) }.joined(separator: "\n")
            let set = try PolicySet(text: text, file: "generated.cedar")
            let shadow = try PolicySet(text: L.policy(&g, index: 99), file: "shadow.cedar")
            let snapshot = PolicySnapshot(
                enforced: set, shadow: g.chance(50) ? shadow : nil, entitiesByNamespace: [L.namespace: base],
                fingerprint: SourceFingerprint(paths: []), explained: PolicyExplanations(set))
            let shared = SharedSnapshot(snapshot)
            for _ in 0..<12 {
                let facts: MessageFacts
                switch g.below(5) {
                case 0, 1:
                    facts = MessageFacts(
                        method: "tools/call", target: .tool(g.pick(L.toolNames)), mappedResource: g.chance(50) ? g.pick(L.resources) : nil)
                case 2: facts = MessageFacts(method: "resources/read", target: .resource(g.pick(L.resources)))
                case 3: facts = MessageFacts(method: "prompts/get", target: .prompt(g.pick(L.resources)))
                default: facts = MessageFacts(method: g.pick(["ping", "tools/list", "initialize", "made/up"]), target: .none)
                }
                let member = g.pick([PipelineHarness.alex, PipelineHarness.sam, "nobody@company.com"])
                for _ in 0..<4 {
                    let hour = g.below(24)
                    let context = ContextFacts(
                        time: RequestTime(microseconds: 1_776_339_005_250_000, hour: hour, minute: 5, weekday: 4, date: "2026-04-16"),
                        sourceIP: g.pick(["203.0.113.42", "10.1.2.3"]), geo: (g.chance(50) ? "US" : nil, nil, nil),
                        agent: g.pick(["maintenance-agent", "other"]), session: g.chance(50) ? "s" : nil, server: "database",
                        method: facts.method)
                    let verdict = try Verdict(
                        facts: facts, member: member, context: context, mapping: mapping, snapshot: shared, jsonrpcID: nil)

                    guard case .record(let record)? = context.cedarContext() else {
                        Issue.record("the address must parse")
                        return
                    }
                    let (action, resource, entities) = mapping.resolve(facts)
                    let request = Request(principal: mapping.principal(member: member), action: action, resource: resource, context: record)
                    let store = LayeredEntityStore(base: base, overlay: entities)
                    let response = Authorizer.isAuthorized(request, policies: set, entities: store)
                    let expectedAllowed = response.decision == .allow && response.errors.isEmpty
                    let explanation = DecisionExplanation(
                        policyIDs: Verdict.determining(response), in: set, explained: snapshot.explained, context: record)
                    let label = "\(text) \(facts) \(member) hour \(hour)"
                    #expect(verdict.allowed == expectedAllowed, "\(label)")
                    let errors = response.errors.map { Verdict.errorPrefix + "\($0.policyID)`: \($0.error.message)" }
                    #expect(verdict.errors == errors, "\(label)")
                    #expect(verdict.explanation.policies == explanation.policies, "\(label)")
                    #expect(verdict.explanation.contextValues == explanation.contextValues, "\(label)")
                    if let shadowSet = snapshot.shadow {
                        let candidate = Authorizer.isAuthorized(request, policies: shadowSet, entities: store)
                        #expect(verdict.shadowAllowed == (candidate.decision == .allow && candidate.errors.isEmpty), "\(label)")
                    } else {
                        #expect(verdict.shadowAllowed == nil)
                    }
                    let kept = snapshot.keptRequest(KeptRequestKey(mapping: mapping, member: member, facts: facts))
                    if kept.explanation(of: Verdict.determining(response)) != nil { keptExplanations += 1 }
                    compared += 1
                    if expectedAllowed { allowed += 1 }
                }
            }
        }
        // Allows and denies both occurred, and the explanation made once was used.
        #expect(compared == 2880 && allowed > 200 && allowed < 2700 && keptExplanations > 200, "\(allowed) \(keptExplanations)")
    }
}
