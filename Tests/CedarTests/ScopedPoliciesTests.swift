import Testing
import WicketTestSupport

@testable import Cedar

/// ``ScopedPolicies`` (the policies whose scope matches one principal, action and resource, found once)
/// must give exactly the answer of the whole index: random sets of `==`, `in`, `is`, `is … in` and
/// action-set scopes with conditions on the context, over random request stores; a list made for
/// another set or another request is not used.
@Suite("Scoped policies")
struct ScopedPoliciesTests {
    static let users = (0..<4).map { EntityUID("User", "u\($0)") }
    static let groups = (0..<3).map { EntityUID("Group", "g\($0)") }
    static let actions = ["read", "write", "tools/call", "query"].map { EntityUID("Action", $0) }
    static let resources = (0..<3).map { EntityUID("Resource", "r\($0)") } + [EntityUID("Server", "db")]

    static func policy(_ rng: inout SplitMix, _ index: Int) -> String {
        func pick(_ options: [String]) -> String { options.randomElement(using: &rng) ?? options[0] }
        let principal = pick([
            "principal", "principal == User::\"u0\"", "principal == User::\"u1\"", "principal in Group::\"g0\"",
            "principal in Group::\"g1\"", "principal is User", "principal is User in Group::\"g2\"", "principal is Group",
        ])
        let action = pick([
            "action", "action == Action::\"read\"", "action in Action::\"tools/call\"", "action in [Action::\"read\", Action::\"query\"]",
            "action == Action::\"write\"",
        ])
        let resource = pick([
            "resource", "resource == Resource::\"r0\"", "resource in Server::\"db\"", "resource is Resource",
            "resource is Resource in Server::\"db\"", "resource is Server",
        ])
        let condition = pick([
            "", "when { context.n > 2 }", "unless { context.n == 4 }", "when { context.missing == 1 }",
            "when { principal has level && principal.level > context.n }",
            // No `context`: worked out once per principal, action and resource.
            "when { principal has level && principal.level > 2 }", "when { principal.missing == 1 }",
            "unless { resource in Server::\"db\" }", "when { if principal.level > 3 then true else context.n < 3 }",
            "when { [1, context.n].contains(2) }", "when { {a: context}.a.n > 1 }", "when { principal.level + 1 > 4 }",
        ])
        let effect = Int.random(in: 0..<4, using: &rng) == 0 ? "forbid" : "permit"
        return "@id(\"p\(index)\")\n\(effect) (\(principal), \(action), \(resource)) \(condition);\n"
    }

    static func set(_ rng: inout SplitMix) throws -> PolicySet {
        let text = (0..<Int.random(in: 0...12, using: &rng)).map { policy(&rng, $0) }.joined()
        return try PolicySet(text: text, idAnnotations: true)
    }

    static func store(_ rng: inout SplitMix, action: EntityUID, resource: EntityUID) -> RequestEntities {
        var members: [Entity] = []
        for user in users {
            var parents: Set<EntityUID> = []
            for g in groups where Bool.random(using: &rng) { parents.insert(g) }
            members.append(Entity(uid: user, attributes: ["level": .long(Int64.random(in: 0...6, using: &rng))], parents: parents))
        }
        for g in groups { members.append(Entity(uid: g, parents: Bool.random(using: &rng) ? [groups[0]] : [])) }
        let server = EntityUID("Server", "db")
        let call = EntityUID("Action", "tools/call")
        let layer = EntityLayer([Entity(uid: server), Entity(uid: call)])
        var own: [Entity] = []
        if action != call, Bool.random(using: &rng) { own.append(Entity(uid: action, parents: [call])) }
        if resource != server { own.append(Entity(uid: resource, parents: Bool.random(using: &rng) ? [server] : [])) }
        return RequestEntities(base: Entities(members), layer: layer, adding: own)
    }

    @Test func theScopedListAnswersAsTheWholeIndex() throws {
        var rng = SplitMix(state: 8)
        var compared = 0
        var allowed = 0
        var (fixed, mixed) = (0, 0)
        for _ in 0..<600 {
            let set = try Self.set(&rng)
            let principal = Self.users.randomElement(using: &rng) ?? Self.users[0]
            let action = Self.actions.randomElement(using: &rng) ?? Self.actions[0]
            let resource = Self.resources.randomElement(using: &rng) ?? Self.resources[0]
            let store = Self.store(&rng, action: action, resource: resource)
            let scoped = set.scoped(principal: principal, action: action, resource: resource, entities: store)
            if scoped.fixed != nil && !scoped.matching.isEmpty { fixed += 1 }
            if scoped.matching.contains(where: { $0.known == nil }) && scoped.matching.contains(where: { $0.known != nil }) { mixed += 1 }
            // One list answers for every context.
            for n in 0..<6 {
                let request = Request(principal: principal, action: action, resource: resource, context: ["n": .long(Int64(n))])
                let whole = set.authorize(request, entities: store)
                #expect(set.authorize(request, entities: store, scoped: scoped) == whole, "\(set.policies) \(request)")
                #expect(Authorizer.isAuthorizedWithoutIndex(request, policies: set, entities: store) == whole)
                compared += 1
                if whole.decision == .allow { allowed += 1 }
            }
        }
        #expect(compared == 3600 && allowed > 300 && allowed < 3300)
        // Whole responses worked out once, and lists with known and live policies, both occurred.
        #expect(fixed > 50 && mixed > 50, "fixed \(fixed) mixed \(mixed)")
    }

    @Test func aListForAnotherRequestOrSetIsNotUsed() throws {
        let set = try PolicySet(
            text: """
                @id("r0") permit (principal, action, resource == Resource::"r0");
                @id("r1") permit (principal == User::"u1", action, resource == Resource::"r1");
                """, idAnnotations: true)
        let other = try PolicySet(text: "@id(\"any\") permit (principal, action, resource);", idAnnotations: true)
        let store = RequestEntities(base: Entities(), layer: EntityLayer([]))
        let (u0, u1, read) = (Self.users[0], Self.users[1], Self.actions[0])
        let (r0, r1) = (Self.resources[0], Self.resources[1])
        let forR0 = set.scoped(principal: u0, action: read, resource: r0, entities: store)
        #expect(set.authorize(Request(principal: u0, action: read, resource: r0), entities: store, scoped: forR0).reasons == ["r0"])
        // Made for `r0` (its one policy permits), asked about `r1`, `u1` or another action: the whole index answers.
        #expect(set.authorize(Request(principal: u0, action: read, resource: r1), entities: store, scoped: forR0).decision == .deny)
        #expect(set.authorize(Request(principal: u1, action: read, resource: r1), entities: store, scoped: forR0).reasons == ["r1"])
        #expect(
            set.authorize(Request(principal: u0, action: Self.actions[1], resource: r1), entities: store, scoped: forR0).decision
                == .deny)
        // Made for another set (whose one policy permits everything): not used.
        let forOther = other.scoped(principal: u0, action: read, resource: r1, entities: store)
        #expect(set.authorize(Request(principal: u0, action: read, resource: r1), entities: store, scoped: forOther).decision == .deny)
    }
}
