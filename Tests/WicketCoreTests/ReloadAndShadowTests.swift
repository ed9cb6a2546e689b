import Foundation
import Testing

@testable import WicketCore

/// Policy reloads keep serving on a broken file and swap on a good one; shadow policies are recorded
/// beside the enforced decision and never change it.
@Suite struct ReloadAndShadowTests {
    static let releaseWindow = "release-window.cedar"

    @Test func aBrokenPolicyFileKeepsThePreviousSetServing() throws {
        try withPipeline { h in
            let tenant = try #require(h.tenants["acme"])
            let policies = try #require(h.config.tenant(named: "acme")).policies
            let before = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            #expect(before.status == 403)

            // A forbid-everything rule that does not parse must not be half-applied, and the broken
            // file must not knock out the release window either.
            try "forbid (principal, action, resource) when { context.time.hour <".write(
                toFile: policies + "/zz-broken.cedar", atomically: true, encoding: .utf8)
            try "// emptied".write(toFile: policies + "/" + Self.releaseWindow, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: true, logger: PipelineHarness.logger) == false)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger) == false)

            let after = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            after.expectDenied(status: 403, code: -32003, words: ["release-window block"])
            #expect(after.record?.policies.map(\.id) == ["release-window block"])
            try h.setNow("2026-04-16T11:00:00Z")
            #expect(try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex))).status == 200)
        }
    }

    @Test func aPolicyThatParsesButDoesNotValidateIsNotServed() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let tenant = try #require(h.tenants["acme"])
            let policies = try #require(h.config.tenant(named: "acme")).policies
            #expect(try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex))).status == 200)
            // Parses, but compares a Long with a String: with the schema it is a type error, and
            // unvalidated it would error at run time on every delete.
            try """
            @id("typo")
            forbid (principal, action == ServiceMCP::Action::"delete_records", resource)
            when { context.time.hour == "eleven" };
            """.write(toFile: policies + "/typo.cedar", atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: true, logger: PipelineHarness.logger) == false)
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(tenant.snapshot.enforced.policy(id: "typo") == nil)

            // And a tenant whose policies do not validate does not start.
            #expect(throws: (any Error).self) {
                try TenantRuntime(config: try #require(h.config.tenant(named: "acme")), wicket: h.config, logger: PipelineHarness.logger)
            }
        }
    }

    @Test func aGoodChangedFileIsSwappedIn() throws {
        try withPipeline { h in
            let tenant = try #require(h.tenants["acme"])
            let policies = try #require(h.config.tenant(named: "acme")).policies
            #expect(tenant.reload(onlyIfChanged: true, logger: PipelineHarness.logger) == false, "nothing changed yet")
            #expect(try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex))).status == 403)

            // The window now opens at 03:00.
            try """
            @id("release-window block")
            @reason("allowed: 3–17")
            forbid (principal, action in [ServiceMCP::Action::"delete_records", ServiceMCP::Action::"drop_table"], resource)
            when { context.time.hour < 3 || context.time.hour > 17 };
            """.write(toFile: policies + "/" + Self.releaseWindow, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: true, logger: PipelineHarness.logger))

            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            try h.setNow("2026-04-16T02:59:00Z")
            let early = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            early.expectDenied(status: 403, code: -32003, words: ["allowed: 3–17"])
        }
    }

    @Test func aChangedEntitiesFileIsReloadedToo() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let tenant = try #require(h.tenants["acme"])
            let entities = try #require(h.config.tenant(named: "acme")).entities
            #expect(try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.sam))).status == 403)
            // sam moves to engineering.
            var text = try String(contentsOfFile: entities, encoding: .utf8)
            text = text.replacingOccurrences(
                of: #"{ "type": "Group", "id": "support" }, { "type": "Group", "id": "members" }"#,
                with: #"{ "type": "Group", "id": "engineering" }, { "type": "Group", "id": "members" }"#)
            try text.write(toFile: entities, atomically: true, encoding: .utf8)
            #expect(tenant.reload(onlyIfChanged: false, logger: PipelineHarness.logger))
            #expect(try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.sam))).status == 200)
        }
    }

    static let shadowWithoutWindow: [String: String] = [
        "access.cedar": """
        @id("shadow permits members everything")
        permit (principal in ServiceMCP::Group::"members", action, resource);
        """
    ]

    @Test func theShadowDecisionIsRecordedAndTheEnforcedOneStands() throws {
        try withPipeline(PipelineOptions(shadowPolicies: Self.shadowWithoutWindow)) { h in
            // Enforced: deny (release window). Shadow: allow.
            let denied = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            denied.expectDenied(status: 403, code: -32003, words: ["release-window block"])
            let record = try #require(denied.record)
            #expect(record.decision == .deny)
            #expect(record.shadowDecision == .allow)
            #expect(record.policies.map(\.id) == ["release-window block"], "the record explains the enforced set")
            #expect(AuditPresentation.cardText(record).contains("the candidate policies would allow"))

            // Both agree: the record's shadow decision equals the decision.
            try h.setNow("2026-04-16T11:00:00Z")
            let allowed = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            allowed.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(allowed.record?.shadowDecision == .allow)
            #expect(allowed.record.map { AuditPresentation.cardText($0).contains("candidate") } == false)
        }
    }

    @Test func aStricterShadowNeverDeniesARealRequest() throws {
        let denyAll = ["deny.cedar": "@id(\"shadow forbids all\")\nforbid (principal, action, resource);"]
        try withPipeline(PipelineOptions(shadowPolicies: denyAll)) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(out.record?.decision == .allow)
            #expect(out.record?.shadowDecision == .deny)
        }
    }

    @Test func withoutShadowPoliciesNoShadowDecisionIsRecorded() throws {
        try withPipeline { h in
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            #expect(out.record?.shadowDecision == nil)
        }
    }
}
