import Testing

@testable import Cedar

/// Template ids are compared by code points, as Cedar compares every id: two templates whose ids
/// differ only in Unicode normalisation are two templates, each linked to its own.
@Suite struct TemplateIDExactnessTests {
    static let composed = "caf\u{E9}"  // é as one scalar
    static let decomposed = "cafe\u{301}"  // e + combining acute

    @Test("canonically equivalent template ids are two templates, each found by its own bytes")
    func canonicallyEquivalentIDsStayTwo() throws {
        var first = try PolicyParser.parsePolicies("permit(principal == ?principal, action, resource);")[0]
        first.id = Self.composed
        var second = try PolicyParser.parsePolicies("forbid(principal == ?principal, action, resource);")[0]
        second.id = Self.decomposed
        var set = try PolicySet([first, second])
        #expect(set.templates.count == 2)
        #expect(set.policy(id: Self.composed)?.effect == .permit)
        #expect(set.policy(id: Self.decomposed)?.effect == .forbid)

        try set.link(template: Self.decomposed, newID: "linked", principal: EntityUID("User", "alice"), resource: nil)
        #expect(set.policies.map(\.effect) == [.forbid])
    }

    @Test("a link id canonically equivalent to a template's id, but byte-distinct, is not a duplicate")
    func linkIDComparedByCodePoints() throws {
        var template = try PolicyParser.parsePolicies("permit(principal == ?principal, action, resource);")[0]
        template.id = Self.composed
        var set = try PolicySet([template])
        try set.link(template: Self.composed, newID: Self.decomposed, principal: EntityUID("User", "alice"), resource: nil)
        #expect(set.policies.count == 1)
        #expect(throws: PolicySetError.self) {
            try set.link(template: Self.composed, newID: Self.composed, principal: EntityUID("User", "bob"), resource: nil)
        }
    }
}
