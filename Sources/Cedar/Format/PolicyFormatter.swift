/// Canonical layout of Cedar policy text, like `cedar format`: comments and annotations kept,
/// 4-space indentation, a scope on one line when it fits in the width and one element per line
/// otherwise, each `when { … }` / `unless { … }` on a line of its own, single spaces around
/// operators, canonical string escapes, and only the parentheses the meaning needs.
public enum PolicyFormatter {
    /// The default line width.
    public static let defaultWidth = 80

    /// Formats `text`; throws the first syntax error (with file, line, column and caret).
    ///
    /// The result parses to the same policies as `text` and formatting it again changes nothing.
    public static func format(_ text: String, file: String = "<input>", width: Int = defaultWidth) throws(ParseError) -> String {
        // The policy parser is the judge of validity, so errors read the same as everywhere else.
        _ = try PolicyParser.parsePolicies(text, file: file)
        var parser = FormatParser(text: text, file: file)
        let (policies, tail) = try parser.parseFile()
        var parts: [Doc] = []
        for (k, p) in policies.enumerated() {
            if k > 0 {
                parts.append(.hardline)
                parts.append(.hardline)
            }
            parts.append(p)
        }
        if !policies.isEmpty { parts.append(.hardline) }
        parts.append(tail)
        var printer = DocPrinter(width: max(20, width))
        var out = printer.print(.concat(parts))
        while out.hasSuffix("\n\n") { out.removeLast() }
        if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        return out
    }
}
