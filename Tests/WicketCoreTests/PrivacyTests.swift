import Foundation
import Testing

@testable import WicketCore

/// docs/threat-model.md, "Assets": tool arguments (beyond the one mapped value), bodies and secrets are never stored.
@Suite struct PrivacyTests {
    @Test func aSentinelInToolArgumentsIsInNoDataFile() throws {
        try withPipeline { h in
            let sentinel = "SENTINEL-" + UUID().uuidString
            let key = h.key(PipelineHarness.alex)
            let calls = [
                // denied (03:04) and allowed (11:00), single and batch, mapped and unmapped tools
                Body.toolCall("delete_records", arguments: #"{"table":"prod.customer_records","where":"\#(sentinel)"}"#),
                Body.toolCall("query", arguments: #"{"table":"prod.orders","sql":"select '\#(sentinel)'"}"#),
                Body.toolCall("post_message", arguments: #"{"channel":"ops","text":"\#(sentinel)"}"#),
            ]
            for now in ["2026-04-16T03:04:18Z", "2026-04-16T11:00:00Z"] {
                try h.setNow(now)
                for call in calls { _ = try h.send(h.request(call, key: key)) }
                _ = try h.send(h.request("[" + calls.joined(separator: ",") + "]", key: key, protocolVersion: "2025-03-26"))
                // refused bodies too: a duplicate key and a header mismatch
                _ = try h.send(
                    h.request(
                        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","arguments":{"x":"\#(sentinel)","x":"y"}}}"#,
                        key: key))
                _ = try h.send(h.request(calls[1], key: key, mcpMethod: "tools/list"))
            }
            let records = try h.allRecords(tenant: "acme")
            #expect(records.count == 16, "2 × (3 single + 3 batch elements + 2 refused)")
            #expect(records.contains { $0.decision == .allow })
            #expect(records.contains { $0.resource == "prod.customer_records" }, "the mapped value is kept")

            let files = h.dataFiles()
            #expect(files.contains { $0.hasSuffix("audit.sqlite-wal") || $0.hasSuffix("-wal") }, "\(files)")
            let needle = Data(sentinel.utf8)
            let credential = Data(PipelineHarness.alexCredential.utf8)
            let keySecret = Data(h.key(PipelineHarness.alex).suffix(43).utf8)
            for file in files {
                let contents = try #require(FileManager.default.contents(atPath: file))
                #expect(contents.range(of: needle) == nil, "the sentinel is in \(file)")
                #expect(contents.range(of: credential) == nil, "the plaintext credential is in \(file)")
                #expect(contents.range(of: keySecret) == nil, "the member key's secret is in \(file)")
            }
            for record in records {
                #expect(!AuditPresentation.jsonLine(record).contains(sentinel))
                #expect(!AuditPresentation.cardText(record).contains(sentinel))
            }
        }
    }
}
