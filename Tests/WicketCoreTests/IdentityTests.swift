import Foundation
import Testing
import WicketStore

@testable import WicketCore

/// Members, keys and upstream credentials through the pipeline (issue 4).
@Suite struct IdentityTests {
    @Test func theMembersKeyNeverLeavesInAnyHeaderOrBody() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let key = h.key(PipelineHarness.alex)
            let secretPart = String(key.suffix(43))
            #expect(secretPart.count == 43)
            var answers: [ReplyText] = []
            for request in [
                h.request(Body.deleteProd, key: key),  // allow
                h.request(Body.toolCall("drop_table"), key: key, forwardedFor: "198.51.100.7"),  // deny 403
                h.request("not json", key: key),  // deny 400
            ] {
                answers.append(ReplyText(h.pipeline.handle(request)))
            }
            #expect(answers.first?.status == 200)
            for answer in answers {
                #expect(!answer.text.contains(secretPart), "the key's secret is in an answer: \(answer.status)")
            }
            #expect(answers.first?.text.contains(PipelineHarness.alexCredential) == true)
        }
    }

    @Test func eachMemberGetsTheirOwnCredentialAsIsOrAsBearer() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let alex = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex)))
            alex.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            // sam's stored value already carries a scheme, so it is passed unchanged.
            let sam = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.sam)))
            sam.expectAllowed(token: PipelineHarness.samCredential)
            #expect(sam.record?.member == PipelineHarness.sam)
            #expect(sam.record?.policies.map(\.id) == ["support reads and posts"])
            // sam may not delete: support has no permit for it.
            let samDelete = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.sam)))
            samDelete.expectDenied(status: 403, code: -32003, words: ["no policy permits", PipelineHarness.sam, "delete_records"])
            #expect(samDelete.record?.policies.isEmpty == true)
            #expect(samDelete.record.map { AuditPresentation.card($0)[3].detail } == "No policy permits it (default deny)")
        }
    }

    @Test func aMemberWithoutACredentialIsDeniedNamingTheCommand() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            #expect(try admin.credentials.remove(member: PipelineHarness.alex, server: "database"))
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 403, code: -32003, words: ["no upstream credential", PipelineHarness.alex, "wicket creds set"])
            let record = try #require(out.record)
            #expect(record.decision == .deny)
            #expect(record.httpStatus == 403)
            #expect(record.errors.contains { $0.contains("wicket creds set") })
            let why = AuditPresentation.card(record)[3].detail
            #expect(why.hasPrefix("Matched: engineers call tools"))
            #expect(why.contains("Refused: no upstream credential"), "a deny card must say why: \(why)")
        }
    }

    @Test func missingCredentialEmptyAllowsWithAnEmptyToken() throws {
        try withPipeline(PipelineOptions(missingCredential: "empty")) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            #expect(try admin.credentials.remove(member: PipelineHarness.alex, server: "database"))
            let out = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            out.expectAllowed(token: "")
            #expect(out.record?.decision == .allow)
        }
    }

    @Test func aCredentialChangeTakesEffectOnTheNextRequest() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            try admin.credentials.set(member: PipelineHarness.alex, server: "database", secret: Array("rotated-1".utf8))
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex)))
            out.expectAllowed(token: "Bearer rotated-1")
        }
    }

    @Test func aMasterKeyRotationByTheCommandLineDisturbsNoRequest() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            let newKey = try admin.credentials.rotateMasterKey()
            #expect(try admin.credentials.list().allSatisfy { $0.masterKeyID == newKey.id })
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex)))
            out.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
        }
    }

    /// The secrets failure (docs/threat-model.md, "Fail closed"): the credential is sealed under a master key that is gone.
    @Test func aCredentialThatCannotBeOpenedIs503() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            try admin.credentials.rotateMasterKey()
            let ringDir = admin.ring.directory
            for name in try FileManager.default.contentsOfDirectory(atPath: ringDir) {
                try FileManager.default.removeItem(atPath: ringDir + "/" + name)
            }
            let out = try h.send(h.request(Body.toolCall("query"), key: h.key(PipelineHarness.alex)))
            out.expectDenied(status: 503, code: -32004, words: ["upstream credential could not be opened"])
            let record = try #require(out.record)
            #expect(record.decision == .deny && record.httpStatus == 503)
            #expect(!AuditPresentation.jsonLine(record).contains(PipelineHarness.alexCredential))
        }
    }

    @Test func revokingOneKeyRefusesItOnTheVeryNextRequestAndDisturbsNoOne() throws {
        try withPipeline { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let alexKey = h.key(PipelineHarness.alex)
            let samKey = h.key(PipelineHarness.sam)
            let before = try h.send(h.request(Body.toolCall("query"), key: alexKey))
            #expect(before.status == 200)

            // Revoked through a second handle on the same files, as `wicket keys revoke` does.
            let admin = try #require(h.admin["acme"])
            #expect(try admin.keys.revoke(keyID: try #require(h.keyIDs[PipelineHarness.alex])))

            let after = try h.send(h.request(Body.toolCall("query"), key: alexKey))
            after.expectDenied(status: 401, code: -32001, words: ["revoked"])
            for _ in 0..<3 {
                let sam = try h.send(h.request(Body.toolCall("query"), key: samKey))
                sam.expectAllowed(token: PipelineHarness.samCredential)
            }
            // A fresh key for alex works at once.
            let fresh = try admin.keys.issue(member: PipelineHarness.alex, agent: "maintenance-agent")
            let again = try h.send(h.request(Body.toolCall("query"), key: fresh.key))
            again.expectAllowed(token: "Bearer " + PipelineHarness.alexCredential)
            #expect(again.record?.keyID == fresh.keyID)
        }
    }

    @Test func theKeysAgentBecomesTheContextAgent() throws {
        let agentRule = """
            @id("no batch agent deletes")
            forbid (principal, action == ServiceMCP::Action::"delete_records", resource)
            when { context.agent == "batch-agent" };
            """
        try withPipeline(PipelineOptions(extraPolicies: ["agents.cedar": agentRule])) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let admin = try #require(h.admin["acme"])
            let batchKey = try admin.keys.issue(member: PipelineHarness.alex, agent: "batch-agent")
            let out = try h.send(h.request(Body.deleteProd, key: batchKey.key))
            out.expectDenied(status: 403, code: -32003, words: ["no batch agent deletes"])
            #expect(out.record?.agent == "batch-agent")
            #expect(out.record?.contextValues == [.init(name: "context.agent", value: #""batch-agent""#)])
            let maintenance = try h.send(h.request(Body.deleteProd, key: h.key(PipelineHarness.alex)))
            #expect(maintenance.status == 200)
        }
    }
}

/// An answer flattened to text, to search it for secrets.
struct ReplyText {
    let status: Int
    let text: String

    init(_ response: Reply) {
        status = response.status
        text =
            response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n") + "\n\n"
            + String(decoding: response.body, as: UTF8.self)
    }
}
