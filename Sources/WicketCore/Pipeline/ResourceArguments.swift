import WicketJSON

/// An upstream's `resources` table (tool name → the argument whose string value is the Cedar
/// resource), looked up by the tool name's bytes.
///
/// Bytes, not the configuration's `[String: String]`: that lookup hashed the name on every tool call
/// (SipHash over its normalized form), and Swift's `String ==` would let a key canonically equivalent
/// to the called name (`\u{212A}ill` for `Kill`) name its resource. A table has a few entries; the
/// byte count rules out almost every one before any byte is compared.
struct ResourceArguments: Sendable {
    private let entries: [(tool: String, argument: String)]

    init(_ table: [String: String]) {
        entries = table.map { (tool: $0.key, argument: $0.value) }
    }

    /// The argument naming the resource of `tool`, or nil when the table has no entry of exactly its bytes.
    func argument(forTool tool: String) -> String? {
        let count = tool.utf8.count
        let span = entries.span  // each entry read in place (a `for` would copy both strings)
        for index in span.indices where span[index].tool.utf8.count == count && ExactText.equal(span[index].tool, tool) {
            return span[index].argument
        }
        return nil
    }
}
