import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// A session belongs to the member who first presented its id (docs/threat-model.md, "Session binding").
@Suite struct SessionBindingTests {
    static let alex = PipelineHarness.alex
    static let sam = PipelineHarness.sam
    static var alexToken: String { "Bearer " + PipelineHarness.alexCredential }

    @Test func anotherMembersRequestsAndDeleteOnTheSessionAreRefusedAndRecorded() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex), session: "s1")).expectAllowed(token: Self.alexToken)

            let post = try h.send(h.request(Body.toolCall("query"), key: h.key(Self.sam), session: "s1"))
            post.expectDenied(status: 403, code: -32003, words: ["another member"])
            #expect(post.record?.member == Self.sam && post.record?.sessionID == "s1")
            #expect(post.record?.errors.contains("the session is bound to `\(Self.alex)`") == true)
            let body = String(decoding: post.response.body, as: UTF8.self)
            #expect(!body.contains(Self.alex), "the client is never told whose session it is")

            let delete = try h.send(h.request(method: "DELETE", key: h.key(Self.sam), session: "s1"))
            delete.expectDenied(status: 403, code: -32003, words: ["another member"])

            // The owner's session is untouched by both.
            try h.send(h.request(Body.toolCall("query", id: 2), key: h.key(Self.alex), session: "s1")).expectAllowed(token: Self.alexToken)
            // The owner's DELETE ends it; after that the id is refused to everyone.
            try h.send(h.request(method: "DELETE", key: h.key(Self.alex), session: "s1")).expectAllowed(token: Self.alexToken)
            try h.send(h.request(Body.toolCall("query", id: 3), key: h.key(Self.alex), session: "s1"))
                .expectDenied(status: 404, code: -32600, words: ["start a new session"])
            try h.send(h.request(Body.toolCall("query", id: 4), key: h.key(Self.sam), session: "s1"))
                .expectDenied(status: 403, code: -32003, words: ["another member"])
        }
    }

    @Test func aRequestThatIsNotAllowedBindsNothing() throws {
        try withPipeline { h in
            // 03:04: the release window forbids delete_records, so Sam's first use of `s2` is denied…
            try h.send(h.request(Body.deleteProd, key: h.key(Self.sam), session: "s2"))
                .expectDenied(status: 403, code: -32003, words: ["release-window block"])
            // …and does not make the id Sam's.
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex), session: "s2")).expectAllowed(token: Self.alexToken)
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.sam), session: "s2"))
                .expectDenied(status: 403, code: -32003, words: ["another member"])
        }
    }

    @Test func anIdleSessionExpiresForItsOwnMember() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex), session: "s3")).expectAllowed(token: Self.alexToken)
            try h.setNow("2026-04-17T10:59:00Z")  // 23 h 59 min later: within the default day
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex), session: "s3")).expectAllowed(token: Self.alexToken)
            try h.setNow("2026-04-18T11:00:00Z")  // a day and a minute after the last use
            try h.send(h.request(Body.toolCall("query"), key: h.key(Self.alex), session: "s3"))
                .expectDenied(status: 404, code: -32600, words: ["idle"])
        }
    }

    @Test func theStatelessRevisionHasNoSessionToBind() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            for member in [Self.alex, Self.sam] {
                let answer = try h.send(
                    h.request(
                        Body.toolCall("query"), key: h.key(member), protocolVersion: "2026-07-28",
                        session: "ignored", mcpMethod: "tools/call", mcpName: "query"))
                #expect(answer.status == 200, "\(String(decoding: answer.response.body, as: UTF8.self))")
            }
            #expect(try h.admin["acme"]?.sessions.count() == 0)
        }
    }
}
