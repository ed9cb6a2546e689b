import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// Keys, credentials and session bindings are answered from memory once read (issue 11); a change
/// made by the command line through its own handle on the same files applies to the very next
/// request even when the old value is in memory (every case below warms it first).
@Suite struct StoreCacheTests {
    static let alex = PipelineHarness.alex
    static let sam = PipelineHarness.sam

    @Test func aCredentialSetOrRemovedByTheCommandLineIsTheOneSentOnTheNextRequest() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            for _ in 0..<2 {
                try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex))).expectAllowed(
                    token: "Bearer " + PipelineHarness.alexCredential)
            }
            try admin.credentials.set(member: Self.alex, server: "database", secret: Array("rotated-1".utf8))
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex))).expectAllowed(token: "Bearer rotated-1")
            try admin.credentials.set(member: Self.alex, server: "database", secret: Array("Token rotated-2".utf8))
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex))).expectAllowed(token: "Token rotated-2")
            // Rotated by the command line: re-sealed under a key the server has not loaded, same secret.
            try admin.credentials.rotateMasterKey()
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex))).expectAllowed(token: "Token rotated-2")
            #expect(try admin.credentials.remove(member: Self.alex, server: "database"))
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex)))
                .expectDenied(status: 403, code: -32003, words: ["wicket creds set"])
            try admin.credentials.set(member: Self.alex, server: "database", secret: Array("back".utf8))
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex))).expectAllowed(token: "Bearer back")
            // Sam's credential was never disturbed.
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.sam))).expectAllowed(token: PipelineHarness.samCredential)
        }
    }

    @Test func aKeyRevokedByTheCommandLineWhileInMemoryIsRefusedNext() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            for _ in 0..<3 {
                #expect(try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex))).status == 200)
            }
            #expect(try admin.keys.revoke(keyID: try #require(h.keyIDs[Self.alex])))
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex)))
                .expectDenied(status: 401, code: -32001, words: ["revoked"])
        }
    }

    @Test func aSessionEndedThroughAnotherHandleIsRefusedNext() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            let token = "Bearer " + PipelineHarness.alexCredential
            for id in 1...2 {
                try h.send(h.request(Body.toolCall("query", id: id), key: h.key(Self.alex), session: "s9")).expectAllowed(token: token)
            }
            // Another `wicket serve` on the same files answered the member's DELETE.
            try admin.sessions.end(server: "database", sessionID: "s9", now: Int64(Date().timeIntervalSince1970 * 1_000_000))
            try h.send(h.request(Body.toolCall("query", id: 3), key: h.key(Self.alex), session: "s9"))
                .expectDenied(status: 404, code: -32600, words: ["start a new session"])
        }
    }
}
