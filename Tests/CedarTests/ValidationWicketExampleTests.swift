import Foundation
import Testing

@testable import Cedar

/// The release-window example of the design notes, checked end to end against a Wicket-style schema.
@Suite struct ValidationWicketExampleTests {
    static let schemaText = """
        namespace ServiceMCP {
          type Time = { hour: Long, minute: Long, weekday: String, date: String, now: datetime };
          type Geo = { country?: String, region?: String, city?: String };
          entity Group;
          entity User in [Group] = { email: String };
          entity Table = { env: String };
          entity Server;
          action "tools/call", "tools/list";
          action delete_records, drop_table in ["tools/call"] appliesTo {
            principal: [User], resource: [Table, Server],
            context: { time: Time, source_ip: ipaddr, geo: Geo, agent: String, session: String, server: String, method: String }
          };
        }
        """

    static func validate(_ policies: String) throws -> ValidationResult {
        let schema = try Schema(cedarText: schemaText, filename: "wicket.cedarschema")
        return Validator(schema: schema).validate(try PolicyParser.parsePolicies(policies, file: "policies.cedar"))
    }

    @Test func releaseWindowPolicyValidates() throws {
        let result = try Self.validate(
            """
            @id("release-window block")
            forbid (principal,
                    action in [ServiceMCP::Action::"delete_records", ServiceMCP::Action::"drop_table"],
                    resource)
            when { context.time.hour < 9 || context.time.hour > 17 };
            permit (principal in ServiceMCP::Group::"dba", action in ServiceMCP::Action::"tools/call", resource is ServiceMCP::Table)
            when { resource.env == "prod" && context.source_ip.isInRange(ip("203.0.113.0/24"))
                   && context.geo has country && context.geo.country == "US"
                   && context.time.now > datetime("2026-01-01") };
            """)
        #expect(result.passed, "\(result.errors)")
    }

    @Test func commonMistakesAreCaught() throws {
        // Unguarded optional attribute.
        #expect(
            try Self.validate("permit(principal, action, resource) when { context.geo.city == \"Ashburn\" };").errors.map(\.code)
                == [.unsafeOptionalAttributeAccess])
        // Unqualified entity type in a namespaced schema.
        #expect(
            try Self.validate("permit(principal in Group::\"dba\", action, resource);").errors.map(\.code).contains(.unrecognizedEntityType)
        )
        // Comparing the hour with a string.
        #expect(
            try Self.validate("permit(principal, action, resource) when { context.time.hour < \"9\" };").errors.map(\.code) == [
                .unexpectedType
            ])
        // An attribute only tables have, read on any resource.
        #expect(
            try Self.validate("permit(principal, action, resource) when { resource.env == \"prod\" };").errors.map(\.code) == [
                .attributeNotFound
            ])
        // An action group has no appliesTo, so a scope naming only it matches no request.
        #expect(
            try Self.validate("permit(principal, action == ServiceMCP::Action::\"tools/call\", resource);").errors.map(\.code)
                == [.invalidActionApplication])
    }
}
