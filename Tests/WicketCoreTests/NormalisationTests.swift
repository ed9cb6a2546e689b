import Foundation
import Testing

@testable import WicketCore

/// Resource ids come from MCP messages, so a look-alike in another Unicode normalisation form must be
/// a different resource to Cedar: it may not inherit what its twin was granted.
@Suite struct NormalisationTests {
    @Test func aLookAlikeResourceDoesNotInheritItsTwinsPermit() throws {
        // Support may not delete; this grants it on one table only, spelled with U+00C5 (precomposed).
        let grant = """
            @id("support may delete one table")
            permit (
                principal in ServiceMCP::Group::"support",
                action == ServiceMCP::Action::"delete_records",
                resource == ServiceMCP::Resource::"\u{00C5}ngstr\u{00F6}m"
            );
            """
        try withPipeline(PipelineOptions(extraPolicies: ["grant.cedar": grant])) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let key = h.key(PipelineHarness.sam)
            func delete(_ table: String) throws -> Exchanged {
                try h.send(h.request(Body.toolCall("delete_records", arguments: "{\"table\":\"\(table)\"}"), key: key))
            }
            // The granted spelling is allowed …
            let granted = try delete("\u{00C5}ngstr\u{00F6}m")
            #expect(granted.status == 200)
            // … while the Angstrom sign, and A + combining ring with o + combining diaeresis (each
            // canonically equivalent, so equal as Swift Strings), are other resources and denied.
            for twin in ["\u{212B}ngstr\u{00F6}m", "A\u{030A}ngstro\u{0308}m"] {
                #expect(twin == "\u{00C5}ngstr\u{00F6}m")  // Swift's String equality would have merged them
                let out = try delete(twin)
                out.expectDenied(status: 403, code: -32003, words: [])
            }
        }
    }
}
