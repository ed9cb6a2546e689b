import CedarTooling
import Foundation
import Testing
import WicketJSON

@testable import Cedar

@Suite("Authorizer")
struct AuthorizerTests {
    let store = Entities(TestData.entities)
    let request = Request(principal: TestData.alice, action: EntityUID("Action", "view"), resource: EntityUID("Photo", "p1"))

    func decide(_ text: String) throws -> Response {
        try PolicySet(text: text).authorize(request, entities: store)
    }

    @Test func defaultDeny() throws {
        let r = try decide("permit(principal == User::\"bob\", action, resource);")
        #expect(r.decision == .deny && r.reasons.isEmpty && r.errors.isEmpty)
    }

    @Test func forbidOverridesPermit() throws {
        let r = try decide(
            """
            permit(principal, action, resource);
            forbid(principal in Group::"staff", action, resource);
            permit(principal, action == Action::"view", resource);
            """)
        #expect(r.decision == .deny)
        #expect(r.reasons == ["policy1"])
    }

    @Test func erroringPolicyIsSkippedAndReported() throws {
        let r = try decide(
            """
            forbid(principal, action, resource) when { principal.nope };
            permit(principal, action, resource) when { resource.owner == principal };
            """)
        #expect(r.decision == .allow)
        #expect(r.reasons == ["policy1"])
        #expect(r.errors.map(\.policyID) == ["policy0"])
        #expect(r.errors.first?.error.code == .attributeDoesNotExist)
    }

    @Test func layeredStoreAddsRequestEntitiesWithoutCopying() throws {
        let set = try PolicySet(text: "permit(principal in Group::\"staff\", action, resource) when { principal.level > 2 };")
        let visitor = Entity(uid: EntityUID("User", "v"), attributes: ["level": .long(3)], parents: [TestData.admins])
        let layered = LayeredEntityStore(base: store, overlay: [visitor])
        let req = Request(principal: visitor.uid, action: EntityUID("Action", "view"), resource: EntityUID("Photo", "p1"))
        #expect(set.authorize(req, entities: layered).decision == .allow)
        #expect(set.authorize(req, entities: store).decision == .deny)
        #expect(layered.ancestors(of: visitor.uid) == [TestData.admins, TestData.staff])
    }

    @Test func transitiveAncestorsAreComputedAtLoad() {
        #expect(store.isAncestor(TestData.staff, of: TestData.alice))
        #expect(!store.isAncestor(TestData.alice, of: TestData.staff))
        let cyclic = Entities([
            Entity(uid: EntityUID("G", "a"), parents: [EntityUID("G", "b")]),
            Entity(uid: EntityUID("G", "b"), parents: [EntityUID("G", "a")]),
        ])
        #expect(cyclic.isAncestor(EntityUID("G", "b"), of: EntityUID("G", "a")))
    }

    /// The scope index must never change an answer: compare against evaluating every policy.
    @Test func scopeIndexMatchesFullEvaluationOnTheWorkload() throws {
        let dir = ConformanceHarness.packageRoot.appendingPathComponent("Benchmarks/cedar-workload")
        let entities = Entities(try EntityJSON.parse(try String(contentsOf: dir.appendingPathComponent("entities.json"), encoding: .utf8)))
        let lines = try String(contentsOf: dir.appendingPathComponent("requests.jsonl"), encoding: .utf8).split(separator: "\n").prefix(
            1500)
        var requests: [Request] = []
        for line in lines {
            let j = try CedarJSON.parse(String(line))
            guard case .string(let p)? = j["principal"], case .string(let a)? = j["action"], case .string(let r)? = j["resource"] else {
                continue
            }
            let action = try PolicyParser.parseEntityUID(a)
            requests.append(
                Request(
                    principal: try PolicyParser.parseEntityUID(p), action: action, resource: try PolicyParser.parseEntityUID(r),
                    context: try EntityJSON.context(j["context"] ?? .object([:]), action: action)))
        }
        #expect(requests.count == lines.count && requests.count == 1500, "every workload line must become a request")
        for file in ["policies.cedar", "scaling/policies_1000.cedar", "gdrive/policies.cedar"] {
            let set = try PolicySet(text: try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8), idAnnotations: true)
            var allows = 0
            for req in requests {
                let a = set.authorize(req, entities: entities)
                let b = Authorizer.isAuthorizedWithoutIndex(req, policies: set, entities: entities)
                #expect(
                    a.decision == b.decision && Set(a.reasons) == Set(b.reasons)
                        && Set(a.errors.map(\.policyID)) == Set(b.errors.map(\.policyID)))
                if a.decision == .allow { allows += 1 }
            }
            if file == "policies.cedar" { #expect(allows > 0 && allows < requests.count) }
        }
    }

    @Test func authorizationCallBuildsTheRequestLikeTheCLI() throws {
        var call = AuthorizationCall(
            policies: .init(
                name: "p",
                text: "@id(\"owner\") permit(principal, action, resource) when { resource.owner == principal && context.n == 1 };"),
            entities: .init(
                name: "e",
                text:
                    "[{\"uid\": {\"type\": \"Photo\", \"id\": \"p1\"}, \"attrs\": {\"owner\": {\"__entity\": {\"type\": \"User\", \"id\": \"alice\"}}}, \"parents\": []}]"
            ))
        call.requestJSON = .init(
            name: "r",
            text:
                "{\"principal\": \"User::\\\"alice\\\"\", \"action\": {\"type\": \"Action\", \"id\": \"view\"}, \"resource\": \"Photo::\\\"p1\\\"\", \"context\": {\"n\": 1}}"
        )
        let r = try call.run()
        #expect(r.decision == .allow && r.reasons == ["owner"])
        call.requestJSON = nil
        #expect(throws: AuthorizationCall.Failure.self) { try call.run() }
    }
}
