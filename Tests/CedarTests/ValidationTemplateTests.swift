import Testing

@testable import Cedar

@Suite struct ValidationTemplateTests {
    @Test func templatesAndLinksAreChecked() throws {
        let schema = try Schema(cedarText: ValidationTypecheckerTests.schemaText)
        var set = try PolicySet(
            text: """
                permit(principal in ?principal, action == Action::"read", resource) when { principal.name == "a" };
                permit(principal == ?principal, action, resource) when { principal.nope };
                """)
        let result = Validator(schema: schema).validate(set)
        #expect(result.errors.map(\.policyID) == ["policy1"])
        try set.link(template: "policy0", newID: "link0", principal: EntityUID("Group", "g"), resource: nil)
        #expect(Validator(schema: schema).validate(set).errors.map(\.policyID) == ["policy1"])
        try set.link(template: "policy0", newID: "link1", principal: EntityUID("Doc", "d"), resource: nil)
        #expect(Validator(schema: schema).validate(set).errors.map(\.policyID).contains("link1"))
    }
}
