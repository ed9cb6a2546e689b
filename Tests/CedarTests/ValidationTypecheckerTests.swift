import Foundation
import Testing

@testable import Cedar

@Suite struct ValidationTypecheckerTests {
    static let schemaText = """
        entity Group;
        entity User in [Group] = { name: String, age?: Long, ip: ipaddr, score?: decimal, manager?: User, tags: Set<String> };
        entity Doc = { owner: User, meta?: { level: Long } } tags String;
        entity Color enum ["red", "green"];
        action read, write appliesTo { principal: [User], resource: [Doc], context: { now: datetime, who?: String } };
        action paint appliesTo { principal: [User], resource: [Color] };
        """

    static func validate(_ policy: String) throws -> ValidationResult {
        let schema = try Schema(cedarText: schemaText, filename: "test.cedarschema")
        return Validator(schema: schema).validate(try PolicyParser.parsePolicies(policy, file: "test.cedar"))
    }

    static func passes(_ condition: String, scope: String = "principal, action == Action::\"read\", resource") throws -> Bool {
        try validate("permit(\(scope)) when { \(condition) };").passed
    }

    static func codes(_ condition: String, scope: String = "principal, action == Action::\"read\", resource") throws -> [ValidationError
        .Code]
    {
        try validate("permit(\(scope)) when { \(condition) };").errors.map(\.code)
    }

    @Test func optionalAttributesNeedAHasGuard() throws {
        #expect(try Self.codes("principal.age > 1") == [.unsafeOptionalAttributeAccess])
        #expect(try Self.passes("principal has age && principal.age > 1"))
        #expect(try Self.passes("if principal has age then principal.age > 1 else false"))
        #expect(try Self.passes("resource has meta && resource.meta.level == 2"))
        #expect(!(try Self.passes("principal has age || principal.age > 1")))
        #expect(!(try Self.passes("!(principal has age) && principal.age > 1")))
        #expect(!(try Self.passes("context.who == \"x\"")))
        #expect(try Self.passes("context has who && context.who like \"a*\""))
    }

    @Test func requiredAndUndeclaredAttributes() throws {
        #expect(try Self.passes("principal.name == \"a\" && resource.owner.name == \"b\""))
        #expect(try Self.codes("principal.nickname == \"a\"") == [.attributeNotFound])
        #expect(try Self.passes("!(principal has nickname)"))
    }

    @Test func tagsNeedAHasTagGuardAndATaggedType() throws {
        #expect(try Self.codes("resource.getTag(\"k\") == \"v\"") == [.unsafeTagAccess])
        #expect(try Self.passes("resource.hasTag(\"k\") && resource.getTag(\"k\") == \"v\""))
        #expect(!(try Self.passes("resource.hasTag(\"k\") && resource.getTag(\"other\") == \"v\"")))
        #expect(try Self.codes("principal.getTag(\"k\") == \"v\"") == [.unsafeTagAccess])
        // `hasTag` on a type without tags is `False`, so the right operand is never checked.
        #expect(try Self.passes("principal.hasTag(\"k\") && principal.getTag(\"k\") == \"v\""))
    }

    @Test func extensionTypesAndFunctions() throws {
        #expect(try Self.passes("principal.ip.isInRange(ip(\"10.0.0.0/8\"))"))
        #expect(try Self.passes("principal has score && principal.score.lessThan(decimal(\"1.5\"))"))
        #expect(try Self.passes("context.now < datetime(\"2025-01-01\").offset(duration(\"1h\"))"))
        #expect(try Self.codes("decimal(\"1.23456\") == decimal(\"1.0\")") == [.extensionError])
        #expect(try Self.codes("ip(principal.name).isIpv4()") == [.extensionError])
        #expect(try Self.codes("context.now < duration(\"1h\")") == [.unexpectedType])
        #expect(try Self.codes("datetime(\"2024-01-01\") == duration(\"1h\")") == [.incompatibleTypes])
        #expect(!(try Self.passes("principal.ip.lessThan(decimal(\"1.0\"))")))
    }

    @Test func strictLeastUpperBounds() throws {
        #expect(try Self.codes("[1, \"a\"].contains(1)") == [.incompatibleTypes])
        #expect(try Self.codes("(if principal.name == \"a\" then 1 else \"b\") == 1") == [.incompatibleTypes])
        #expect(try Self.codes("[].isEmpty()") == [.emptySetForbidden])
        #expect(try Self.codes("{a: 1} == {a: \"x\"}") == [.incompatibleTypes])
        #expect(try Self.passes("[true, false].contains(principal.name == \"a\")"))
        #expect(try Self.codes("principal.tags.contains(1)") == [.incompatibleTypes])
        #expect(try Self.passes("principal.tags.containsAny([\"x\"])"))
        #expect(try Self.codes("1 + \"a\" == 2") == [.unexpectedType])
        #expect(try Self.codes("\"a\" like \"a*\" && 1 like \"1\"") == [.unexpectedType])
    }

    @Test func entitiesMustBeDeclared() throws {
        #expect(try Self.codes("principal in Team::\"t\"") == [.unrecognizedEntityType])
        #expect(try Self.codes("principal is Team") == [.unrecognizedEntityType])
        #expect(try Self.passes("principal in Group::\"g\""))
        #expect(try Self.passes("true", scope: "principal, action == Action::\"paint\", resource == Color::\"red\""))
        #expect(
            try Self.codes("true", scope: "principal, action == Action::\"paint\", resource == Color::\"blue\"") == [.invalidEnumEntity])
        #expect(try Self.codes("true", scope: "principal, action == Action::\"fly\", resource").contains(.unrecognizedActionID))
    }

    @Test func scopeMustMatchSomeAction() throws {
        #expect(try Self.codes("true", scope: "principal is Doc, action, resource") == [.invalidActionApplication])
        #expect(try Self.codes("true", scope: "principal, action == Action::\"paint\", resource is Doc") == [.invalidActionApplication])
        #expect(try Self.passes("true", scope: "principal in Group::\"g\", action in [Action::\"read\", Action::\"write\"], resource"))
    }

    @Test func shortCircuitSkipsUnreachableOperands() throws {
        #expect(try Self.passes("false && principal.age > 1"))
        #expect(!(try Self.passes("true && principal.age > 1")))
        #expect(try Self.passes("true || principal.age > 1"))
        #expect(try Self.passes("if true then 1 == 1 else principal.age > 1"))
        // Actions whose resource types the scope excludes are not typechecked against the condition.
        #expect(try Self.passes("resource.owner.name == \"a\"", scope: "principal, action, resource is Doc"))
        #expect(!(try Self.passes("resource.owner.name == \"a\"", scope: "principal, action, resource")))
    }

    @Test func impossiblePoliciesValidateWithAWarning() throws {
        let result = try Self.validate("permit(principal, action, resource) when { false };")
        #expect(result.passed)
        #expect(result.warnings.map(\.code) == [.impossiblePolicy])
        #expect(try Self.validate("permit(principal, action, resource);").warnings.isEmpty)
    }

    @Test func errorsCarryPolicyIdAndLocation() throws {
        let source = "permit(principal, action, resource);\n  forbid(principal, action, resource) when { principal.nope };"
        let result = try Self.validate(source)
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(error.policyID == "policy1")
        #expect(error.location?.line == 2)
        #expect(error.location?.column == 3)
        #expect(error.description.contains("attribute `nope`"))
        let caret = String(repeating: " ", count: 2 + 54) + "^"
        #expect(error.rendered(source: source).hasSuffix("\n    forbid(principal, action, resource) when { principal.nope };\n" + caret))
        #expect(error.refinedLocation(in: source)?.column == 55)
        #expect(error.rendered(source: source).hasPrefix("test.cedar:2:55: for policy `policy1`"))
    }

    @Test func caretsPointAtTheOffendingText() throws {
        let source = """
            permit(principal, action, resource) when { principal.name == "x" };
            permit(principal, action, resource)
            when {
              resource.hasTag("a") || resource.getTag("b") == "c"
            };
            permit(principal, action, resource) when { [].isEmpty() && context.now > datetime("nope") };
            """
        let result = try Self.validate(source)
        let locations = result.errors.map {
            "\($0.code.rawValue)@\($0.refinedLocation(in: source).map { "\($0.line):\($0.column)" } ?? "-")"
        }
        // `Doc` and `Color` resources (no tags on `Color`), and `paint` has no `now` in its context.
        #expect(
            locations == [
                "unsafeTagAccess@4:36", "unsafeTagAccess@4:36", "emptySetForbidden@6:44", "extensionError@6:74", "attributeNotFound@6:67",
            ])
    }
}
