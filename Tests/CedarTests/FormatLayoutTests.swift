import Testing

@testable import Cedar

@Suite("Formatter layout")
struct FormatLayoutTests {
    @Test("a short scope stays on one line; a long one gets one element per line")
    func scope() throws {
        #expect(try PolicyFormatter.format("permit(principal,action,resource);") == "permit (principal, action, resource);\n")
        let long = try PolicyFormatter.format(
            #"forbid(principal == User::"a-rather-long-name", action == Action::"delete", resource in Folder::"x");"#)
        #expect(
            long == """
                forbid (
                    principal == User::"a-rather-long-name",
                    action == Action::"delete",
                    resource in Folder::"x"
                );

                """)
    }

    @Test("only the parentheses the meaning needs are kept")
    func parentheses() throws {
        func body(_ e: String) throws -> String {
            let out = try PolicyFormatter.format("permit(principal,action,resource) when { \(e) };")
            return String(out.dropFirst("permit (principal, action, resource)\nwhen { ".count).dropLast(" };\n".count))
        }
        #expect(try body("((1 + 2) + 3) * 4 == 5") == "(1 + 2 + 3) * 4 == 5")
        #expect(try body("1 - (2 - 3) == 0") == "1 - (2 - 3) == 0")
        #expect(try body("(context.a && context.b) && (context.c || context.d)") == "context.a && context.b && (context.c || context.d)")
        #expect(try body("-(5) == -5") == "-(5) == -5")
        #expect(try body("!(!(context.x))") == "!!context.x")
        #expect(try body("(-5).abs == !(-5 == 1)") == "(-5).abs == !(-5 == 1)")
        #expect(try body("(if context.a then 1 else 2) + 3 == 4") == "(if context.a then 1 else 2) + 3 == 4")
        #expect(
            try body("((context has a.b)) && (principal is User in Group::\"g\")") == "context has a.b && principal is User in Group::\"g\""
        )
    }

    @Test("string escapes are written one canonical way")
    func escapes() throws {
        let src = #"@a("\u{41}\'") permit(principal == User::"\u{7f}\t", action, resource) when { "*" like "\*\u{2a}*" };"#
        let out = try PolicyFormatter.format(src)
        #expect(out.contains(#"@a("A'")"#))
        #expect(out.contains(#"User::"\u{7f}\t""#))
        // Only `\*` is a literal star: `\u{2a}` decodes to `*`, a wildcard, as in the Rust engine.
        #expect(out.contains(#""*" like "\***""#))
    }

    @Test("deep nesting and long chains are formatted without trouble")
    func deepAndLong() throws {
        let depth = 150
        let nested = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        let deep = try PolicyFormatter.format("permit(principal,action,resource) when { \(nested) == 1 };")
        #expect(deep == "permit (principal, action, resource)\nwhen { 1 == 1 };\n")
        let sets = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let setText = "permit(principal,action,resource) when { \(sets) == [] };"
        #expect(FormatTestSupport.roundTripProblem(setText, file: "sets") == nil)
        let chain = (0..<2000).map { "context.a\($0)" }.joined(separator: " || ")
        #expect(FormatTestSupport.roundTripProblem("permit(principal,action,resource) when { \(chain) };", file: "chain") == nil)
        let leftNested = String(repeating: "(", count: depth) + "true" + String(repeating: " && true)", count: depth)
        let flat = try PolicyFormatter.format("permit(principal,action,resource) when { \(leftNested) };")
        #expect(!flat.contains("(" + "true"))
        #expect(FormatTestSupport.roundTripProblem("permit(principal,action,resource) when { \(leftNested) };", file: "left") == nil)
    }
}
