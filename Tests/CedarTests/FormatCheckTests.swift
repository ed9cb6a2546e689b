import CedarTooling
import Foundation
import Testing

@testable import Cedar

@Suite("wicket format: check and rewrite")
struct FormatCheckTests {
    private func withTemporaryFiles(_ files: [String: String], _ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        try body(dir)
    }

    private let formatted = "// keep\npermit (principal, action, resource);\n"
    private let messy = "// keep\npermit(principal,action,resource) ;"

    @Test("--check exits 0 when every file is formatted and writes nothing")
    func checkClean() throws {
        try withTemporaryFiles(["a.cedar": formatted]) { dir in
            let path = dir.appendingPathComponent("a.cedar").path
            let o = PolicyFileFormatter.run(paths: [path], check: true)
            #expect(o.exitCode == 0)
            #expect(o.changed.isEmpty && o.errors.isEmpty && !o.wrote)
        }
    }

    @Test("--check exits 1, lists the files that would change, and changes none")
    func checkDirty() throws {
        try withTemporaryFiles(["a.cedar": formatted, "b.cedar": messy]) { dir in
            let a = dir.appendingPathComponent("a.cedar").path
            let b = dir.appendingPathComponent("b.cedar").path
            let o = PolicyFileFormatter.run(paths: [a, b], check: true)
            #expect(o.exitCode == 1)
            #expect(o.changed == [b])
            #expect(!o.wrote)
            let after = try String(contentsOfFile: b, encoding: .utf8)
            #expect(after == messy)
        }
    }

    @Test("without --check files are rewritten in place, keeping comments, and exit 0")
    func rewrite() throws {
        try withTemporaryFiles(["b.cedar": messy]) { dir in
            let b = dir.appendingPathComponent("b.cedar").path
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: b)
            let o = PolicyFileFormatter.run(paths: [b], check: false)
            #expect(o.exitCode == 0 && o.errors.isEmpty && o.wrote)
            let after = try String(contentsOfFile: b, encoding: .utf8)
            #expect(after == formatted)
            let perms = try FileManager.default.attributesOfItem(atPath: b)[.posixPermissions] as? Int
            #expect(perms == 0o640)
            // A second run finds nothing to do.
            #expect(PolicyFileFormatter.run(paths: [b], check: true).exitCode == 0)
        }
    }

    @Test("a syntax error exits 1 with file:line:column and a caret, and nothing is written")
    func syntaxError() throws {
        try withTemporaryFiles(["b.cedar": messy, "bad.cedar": "permit(principal,action,resource)\nwhen { context.x = 1 };\n"]) { dir in
            let b = dir.appendingPathComponent("b.cedar").path
            let bad = dir.appendingPathComponent("bad.cedar").path
            let o = PolicyFileFormatter.run(paths: [b, bad], check: false)
            #expect(o.exitCode == 1)
            #expect(!o.wrote)
            #expect(o.errors.count == 1)
            let failure = try #require(o.errors.first)
            #expect(failure.code == .syntax && failure.path == bad)
            let message = failure.description
            #expect(message.hasPrefix("\(bad):2:18: error:"))
            #expect(message.hasSuffix("^"))
            let after = try String(contentsOfFile: b, encoding: .utf8)
            #expect(after == messy)
        }
    }

    @Test("a missing file is an error, not a crash")
    func missingFile() {
        let o = PolicyFileFormatter.run(paths: ["/nonexistent/wicket/x.cedar"], check: true)
        #expect(o.exitCode == 1)
        #expect(o.errors.first?.code == .unreadable)
        #expect(o.errors.first?.description.contains("`/nonexistent/wicket/x.cedar`") == true)
    }
}
