import Foundation
import Testing

@testable import Cedar

@Suite("Formatter comments")
struct FormatCommentTests {
    /// Formats `text` and checks that every comment survives once, in order, and that the result is stable.
    private func formatKeepingComments(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        let out = try PolicyFormatter.format(text)
        #expect(FormatTestSupport.comments(in: out) == FormatTestSupport.comments(in: text), sourceLocation: sourceLocation)
        let again = try PolicyFormatter.format(out)
        #expect(again == out, sourceLocation: sourceLocation)
        let before = try FormatTestSupport.meaning(text)
        let after = try FormatTestSupport.meaning(out)
        #expect(before == after, sourceLocation: sourceLocation)
        return out
    }

    @Test("the comment scanner ignores `//` inside strings and finds every real comment")
    func scanner() {
        let text = """
            permit(principal == User::"a//b", action, resource) // one
            // two
            when { "x\\"//" == "y" }; // three
            """
        #expect(FormatTestSupport.comments(in: text) == ["// one", "// two", "// three"])
    }

    @Test("comments before, inside and after policies are all kept")
    func everywhere() throws {
        let text = try String(contentsOf: FormatTestSupport.fixtures.appendingPathComponent("comments.cedar"), encoding: .utf8)
        #expect(FormatTestSupport.comments(in: text).count == 27)
        _ = try formatKeepingComments(text)
    }

    @Test("a comment in a dropped parenthesis or trailing comma is kept")
    func droppedTokens() throws {
        let out = try formatKeepingComments(
            """
            permit(principal, action in [Action::"a", // after comma
            ], resource) when { ( // open
            ( context.x ) // inner close
            ) // outer close
            && true };
            """)
        #expect(!out.contains("(("))
        #expect(out.contains("Action::\"a\" // after comma"))
    }

    @Test("a trailing comment stays on the line of the token it follows")
    func trailingStaysPut() throws {
        let out = try formatKeepingComments("permit(principal,action,resource) when { context.a && // why a\n context.b };\n")
        #expect(out.contains("context.a && // why a\n"))
    }

    @Test("a comment before a closing brace is indented with the body")
    func beforeClose() throws {
        let out = try formatKeepingComments("permit(principal,action,resource) when {\ncontext.a\n// && context.b\n};\n")
        #expect(out == "permit (principal, action, resource)\nwhen {\n    context.a\n    // && context.b\n};\n")
    }

    @Test("comments inside a uid, a record, a call and an `if` survive")
    func oddSpots() throws {
        _ = try formatKeepingComments(
            """
            permit(principal == User:: // uid
            "a", action, resource) when { if // if
            context.a // cond
            then { k: // key
            1 } else ip( // call
            "1.2.3.4" ).isLoopback() };
            """)
    }

    @Test("a file of only comments is left as comments; an empty file stays empty")
    func onlyComments() throws {
        #expect(try formatKeepingComments("// a\n\n// b\n") == "// a\n\n// b\n")
        #expect(try PolicyFormatter.format("") == "")
        #expect(try PolicyFormatter.format("  \n\n") == "")
    }

    @Test("blank lines between top-level comments and policies are kept, collapsed to one")
    func blankLines() throws {
        let out = try formatKeepingComments("// head\n\n\n\n// a\npermit(principal,action,resource);\n\n\n// tail\n")
        #expect(out == "// head\n\n// a\npermit (principal, action, resource);\n\n// tail\n")
    }
}
