import Testing

@testable import Cedar

@Suite("Policy parser")
struct ParserTests {
    @Test func idsFollowSourceOrderAndAnnotationsAreKept() throws {
        let ps = try PolicyParser.parsePolicies(
            """
            @id("first") @advice("be nice") permit(principal, action, resource);
            forbid(principal == User::"a", action in [Action::"x", Action::"y"], resource is Photo in Album::"z")
            when { true } unless { false };
            """)
        #expect(ps.map(\.id) == ["policy0", "policy1"])
        #expect(ps[0].annotation("advice") == "be nice")
        #expect(ps[1].effect == .forbid)
        #expect(ps[1].action == .inSet([EntityUID("Action", "x"), EntityUID("Action", "y")]))
        #expect(ps[1].resource == .isIn(Name("Photo"), .uid(EntityUID("Album", "z"))))
        #expect(ps[1].conditions.map(\.kind) == [.when, .unless])
    }

    @Test func idAnnotationRenamesPoliciesWhenAsked() throws {
        let set = try PolicySet(
            text: "@id(\"x\") permit(principal, action, resource); permit(principal, action, resource);", idAnnotations: true)
        #expect(set.policies.map(\.id) == ["x", "policy1"])
    }

    @Test func parseErrorCarriesLineColumnAndCaret() throws {
        do {
            _ = try PolicyParser.parsePolicies("permit(principal, action, resource)\nwhen { 1 + };", file: "p.cedar")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.location.line == 2)
            #expect(error.location.column == 12)
            #expect(error.description.hasPrefix("p.cedar:2:12: error:"))
            #expect(error.description.hasSuffix("\n  when { 1 + };\n             ^"))
        }
    }

    @Test(arguments: [
        "permit(principal, action, resource) when { 1 < 2 < 3 };",
        "permit(principal, action, resource) when { {a: 1, a: 2} };",
        "permit(principal, action, resource) when { foo(1) };",
        "permit(principal, action, resource) when { 9223372036854775808 };",
        "permit(principal, action, resource) when { \"\\q\" };",
        "permit(principal, action == User::\"x\", resource);",
        "permit(principal == ?resource, action, resource);",
        "permit(principal, action, resource) when { ?principal };",
        "@a @a permit(principal, action, resource);",
        "permit(principal, action, resource) when { !!!!!true };",
        "permit(principal, action, resource) when { [1].contains(1, 2) };",
        "permit(principal, action, resource) when { 1.isIpv4() && isIpv4(1) };",
    ])
    func rejectsInvalidPolicies(_ text: String) {
        #expect(throws: ParseError.self) { try PolicyParser.parsePolicies(text) }
    }

    @Test func negativeLiteralReachesInt64Min() throws {
        #expect(try evaluate("-9223372036854775808") == .long(.min))
        #expect(try evaluationError("-(-9223372036854775808)") == nil ? false : true)
    }

    @Test func nestedHasDesugarsToConjunction() throws {
        let e = try PolicyParser.parseExpression("context has a.b")
        #expect(e == .and(.hasAttr(.variable(.context), "a"), .hasAttr(.getAttr(.variable(.context), "a"), "b")))
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(throws: ParseError.self) { try PolicyParser.parseExpression(deep) }
        let deepSets = String(repeating: "[", count: 5000)
        #expect(throws: ParseError.self) { try PolicyParser.parseExpression(deepSets) }
    }

    @Test func templatesLinkAndReportSlots() throws {
        var set = try PolicySet(text: "permit(principal == ?principal, action, resource in ?resource);")
        #expect(set.policies.isEmpty)
        #expect(set.templates["policy0"] != nil)
        try set.link(
            json: """
                [{"template_id": "policy0", "link_id": "l1", "args": {"?principal": "User::\\"alice\\"", "?resource": {"type": "Album", "id": "a"}}}]
                """)
        #expect(set.policies.map(\.id) == ["l1"])
        #expect(set.policies[0].principal == .eq(.uid(EntityUID("User", "alice"))))
        #expect(throws: PolicySetError.self) { try set.link(template: "policy0", newID: "l2", principal: nil, resource: nil) }
    }

    @Test func contextPathsListWhatAConditionReads() throws {
        let p = try PolicyParser.parsePolicies(
            """
            permit(principal, action, resource) when { context.time.hour < 9 || context["geo"].country == "US" }
            unless { context has client.name && principal.x == context.mfa };
            """)[0]
        #expect(p.contextPaths == [["client"], ["client", "name"], ["geo", "country"], ["mfa"], ["time", "hour"]])
    }
}
