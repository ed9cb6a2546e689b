import Foundation
import Logging
import Testing
import WicketJSON

@testable import WicketCore

/// A serving process answers a `tools/call` from pins it read earlier; a `wicket tools approve` (or a
/// re-pin) written by another process must apply to the very next call, with no reload or signal.
@Suite struct ToolPinsTests {
    static let logger = Logger(label: "wicket.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One tool, `query`, with the given description (equal lengths give files of equal size).
    static func tools(_ description: String) throws -> [JSONValue] {
        guard
            let array = try JSONParser().parse(
                #"[{"name": "query", "description": "\#(description)", "inputSchema": {"type": "object"}}]"#
            ).arrayValue
        else { throw CancellationError() }
        return array
    }

    func withReviewedFile(_ body: (UpstreamConfig, String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-pins-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var upstream = UpstreamConfig(
            name: "database", tenant: "acme", namespace: "ServiceMCP", url: "http://127.0.0.1:1/mcp", resourceArguments: [:])
        upstream.reviewedTools = folder + "/tools/database.json"
        try body(upstream, folder + "/tools/database.json")
    }

    func modificationTime(_ path: String) throws -> timespec {
        var info = stat()
        #expect(stat(path, &info) == 0)
        return info.st_mtim
    }

    /// Puts the file's modification time back, so only the inode, size or status-change time tell.
    func setModificationTime(_ path: String, _ time: timespec) {
        var times = [time, time]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    @Test func anApprovalAndARePinApplyToTheNextCall() throws {
        try withReviewedFile { upstream, path in
            let pins = ToolPins(logger: Self.logger)
            try ReviewedTools.save(try Self.tools("reads rows, v1"), to: path)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == nil, "nothing live seen yet")

            // The upstream changed the tool (a rug pull): hidden from the list, its call refused.
            #expect(pins.observe(try Self.tools("reads rows, v2"), upstream: upstream) == [Array("query".utf8)])
            let refused = pins.callRefusal(tool: "query", upstream: upstream)
            #expect(refused?.contains(ToolPins.changedMessage) == true)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == refused, "the same answer from the same pins")

            // `wicket tools approve` from another process: the very next call sees it.
            let before = try modificationTime(path)
            try ReviewedTools.save(try Self.tools("reads rows, v2"), to: path)
            setModificationTime(path, before)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == nil, "the approval was not seen")

            // A re-pin back to the first definition (same size, same modification time): refused again.
            let approved = try modificationTime(path)
            try ReviewedTools.save(try Self.tools("reads rows, v1"), to: path)
            setModificationTime(path, approved)
            #expect(
                pins.callRefusal(tool: "query", upstream: upstream)?.contains(ToolPins.changedMessage) == true, "the re-pin was not seen")
        }
    }

    @Test func aFileThatCannotBeReadRefusesEveryToolUntilItIsFixed() throws {
        try withReviewedFile { upstream, path in
            let pins = ToolPins(logger: Self.logger)
            try ReviewedTools.save(try Self.tools("reads rows, v1"), to: path)
            _ = pins.observe(try Self.tools("reads rows, v1"), upstream: upstream)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == nil)

            try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(pins.callRefusal(tool: "query", upstream: upstream)?.contains("cannot be read") == true)
            #expect(pins.callRefusal(tool: "other", upstream: upstream)?.contains("cannot be read") == true)

            try ReviewedTools.save(try Self.tools("reads rows, v1"), to: path)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == nil)
        }
    }

    @Test func withoutTheFileTheFirstDefinitionsAreTrustedUntilOneIsWritten() throws {
        try withReviewedFile { upstream, path in
            let pins = ToolPins(logger: Self.logger)
            #expect(pins.observe(try Self.tools("reads rows, v1"), upstream: upstream).isEmpty)  // pinned as first seen
            #expect(pins.observe(try Self.tools("reads rows, v2"), upstream: upstream) == [Array("query".utf8)])
            #expect(pins.callRefusal(tool: "query", upstream: upstream) != nil)

            // Approving writes the file; the live definition is now the reviewed one.
            try ReviewedTools.save(try Self.tools("reads rows, v2"), to: path)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == nil)
            // Removing it again goes back to trust on first use of what is live.
            try FileManager.default.removeItem(atPath: path)
            #expect(pins.callRefusal(tool: "query", upstream: upstream) == nil)
        }
    }

    @Test func callsFromManyThreadsSeeAnApprovalOnceItIsWritten() throws {
        try withReviewedFile { upstream, path in
            let pins = ToolPins(logger: Self.logger)
            try ReviewedTools.save(try Self.tools("reads rows, v1"), to: path)
            _ = pins.observe(try Self.tools("reads rows, v2"), upstream: upstream)
            for round in 0..<20 {
                let description = round.isMultiple(of: 2) ? "reads rows, v2" : "reads rows, v1"
                try ReviewedTools.save(try Self.tools(description), to: path)
                let approved = round.isMultiple(of: 2)
                let wrong = Counter()
                DispatchQueue.concurrentPerform(iterations: 8) { _ in
                    for _ in 0..<50 where (pins.callRefusal(tool: "query", upstream: upstream) == nil) != approved {
                        wrong.add()
                    }
                }
                #expect(wrong.value == 0, "round \(round): \(wrong.value) calls answered from stale pins")
            }
        }
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
