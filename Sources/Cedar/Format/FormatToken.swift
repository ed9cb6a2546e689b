/// A `//` comment as the formatter carries it.
struct FormatComment: Sendable, Equatable {
    /// The comment with its `//`, trailing spaces removed.
    let text: String
    /// A blank line separates it from what comes before.
    let blankBefore: Bool
}

/// A token of policy text with the comments around it.
struct FormatToken: Sendable {
    enum Kind: Sendable, Equatable {
        case ident, int, string, punct, eof
    }
    let kind: Kind
    /// The exact source text (for a string, with its quotes).
    let text: String
    let start: Int
    let end: Int
    /// Comments on lines of their own before this token.
    var leading: [FormatComment] = []
    /// A blank line separates the last leading comment from the token.
    var blankAfterLeading = false
    /// A comment after the token on the same line.
    var trailing: FormatComment?

    /// The contents of a string token, still escaped.
    var rawString: String {
        // By bytes: a combining mark after the closing quote would join it in one `Character`.
        let u = Array(text.utf8)
        guard kind == .string, u.count >= 2 else { return text }
        return String(decoding: u[1..<(u.count - 1)], as: UTF8.self)
    }
}
