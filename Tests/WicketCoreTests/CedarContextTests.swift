import Foundation
import Testing

@testable import WicketCore

/// The Cedar request as docs/policies.md describes it, observed through policies that read each part.
@Suite struct CedarContextTests {
    @Test func timeGeoAgentSessionServerAndMethodReachThePolicies() throws {
        let probe = """
            @id("context probe")
            @reason("probe")
            forbid (principal == ServiceMCP::User::"alex@company.com", action == ServiceMCP::Action::"query", resource)
            when {
                context.time.weekday == 4 && context.time.date == "2026-04-16" && context.time.minute == 30 &&
                context.time.now >= datetime("2026-04-16T11:30:00Z") &&
                context.source_ip.isInRange(ip("203.0.113.0/24")) &&
                context.geo has city && context.geo.city == "Ashburn" &&
                context.agent == "maintenance-agent" && context has session && context.session == "mcp_sess_7k91" &&
                context.server == "database" && context.method == "tools/call"
            };
            """
        try withPipeline(PipelineOptions(extraPolicies: ["probe.cedar": probe])) { h in
            try h.setNow("2026-04-16T11:30:05.250Z")
            let out = try h.send(
                h.request(
                    Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#),
                    key: h.key(PipelineHarness.alex), session: "mcp_sess_7k91"))
            out.expectDenied(status: 403, code: -32003, words: ["context probe"])
            let record = try #require(out.record)
            #expect(record.timeMicros == 1_776_339_005_250_000)
            let values = Dictionary(record.contextValues.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(values["context.time.weekday"] == "4")
            #expect(values["context.time.date"] == #""2026-04-16""#)
            #expect(values["context.time.minute"] == "30")
            #expect(values["context.time.now"] == "2026-04-16T11:30:05.250Z")
            #expect(values["context.source_ip"] == "203.0.113.42")
            #expect(values["context.geo.city"] == #""Ashburn""#)
            #expect(values["context.agent"] == #""maintenance-agent""#)
            #expect(values["context.session"] == #""mcp_sess_7k91""#)
            #expect(values["context.server"] == #""database""#)
            #expect(values["context.method"] == #""tools/call""#)

            // Without the session the probe no longer matches.
            let stateless = try h.send(
                h.request(
                    Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#),
                    key: h.key(PipelineHarness.alex)))
            #expect(stateless.status == 200)
        }
    }

    @Test func theResourceIsTheMappedArgumentElseTheServer() throws {
        let probe = """
            @id("server-level deletes")
            forbid (principal, action == ServiceMCP::Action::"delete_records", resource == ServiceMCP::Server::"database");
            @id("orders are kept")
            forbid (principal, action, resource == ServiceMCP::Resource::"prod.orders");
            """
        try withPipeline(PipelineOptions(extraPolicies: ["resource.cedar": probe])) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let key = h.key(PipelineHarness.alex)
            let noTable = try h.send(h.request(Body.toolCall("delete_records", arguments: #"{"where":"1=1"}"#), key: key))
            noTable.expectDenied(status: 403, code: -32003, words: ["server-level deletes"])
            #expect(noTable.record?.resource == nil)
            #expect(noTable.record.map { AuditPresentation.card($0)[1].detail } == "database.delete_records")

            let orders = try h.send(h.request(Body.toolCall("query", arguments: #"{"table":"prod.orders"}"#), key: key))
            orders.expectDenied(status: 403, code: -32003, words: ["orders are kept"])
            #expect(orders.record?.resource == "prod.orders")

            // post_message has no configured argument: its `channel` is not a resource.
            let post = try h.send(h.request(Body.toolCall("post_message", arguments: #"{"channel":"prod.orders"}"#), key: key))
            post.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(post.record?.resource == nil)
        }
    }

    @Test func theBearerSchemeIsCaseInsensitiveAndSpacesAreTrimmed() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let out = try h.send(h.request(Body.toolCall("query"), authorization: "bearer   \(h.key(PipelineHarness.alex))  "))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
        }
    }
}
