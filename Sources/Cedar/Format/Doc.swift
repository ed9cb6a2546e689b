/// A layout document: text plus places where a line may break (Wadler's "prettier printer").
///
/// `forced` is true when the document has a line break (a comment) with text on both sides, so
/// every group around it must break. A comment before all of a group's text, or trailing its
/// last token, does not force it: the group may stay flat.
struct Doc: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        /// A break: `flat` when the enclosing group fits on the line, else a newline.
        case line(flat: String)
        case hardline
        case concat([Doc])
        case nest(Int, Doc)
        case group(Doc)
        /// A comment on a line of its own.
        case comment(String, blankBefore: Bool, blankAfter: Bool)
        /// A comment after code on the same line; what follows starts on a new line.
        case trailingComment(String)
    }

    let kind: Kind
    /// A break with text both before and after it: every group around must break.
    let forced: Bool
    let hasText: Bool
    let hasBreak: Bool
    /// Some text comes before some break.
    let textThenBreak: Bool
    /// Some break comes before some text.
    let breakThenText: Bool

    private init(
        _ kind: Kind, forced: Bool = false, hasText: Bool = false, hasBreak: Bool = false,
        textThenBreak: Bool = false, breakThenText: Bool = false
    ) {
        self.kind = kind
        self.forced = forced
        self.hasText = hasText
        self.hasBreak = hasBreak
        self.textThenBreak = textThenBreak
        self.breakThenText = breakThenText
    }

    private init(_ kind: Kind, wrapping d: Doc) {
        self.init(
            kind, forced: d.forced, hasText: d.hasText, hasBreak: d.hasBreak, textThenBreak: d.textThenBreak,
            breakThenText: d.breakThenText)
    }

    static let empty = Doc(.concat([]))
    /// A space when flat, a newline when broken.
    static let line = Doc(.line(flat: " "))
    /// Nothing when flat, a newline when broken.
    static let softline = Doc(.line(flat: ""))
    static let hardline = Doc(.hardline, hasBreak: true)

    static func text(_ s: String) -> Doc { Doc(.text(s), hasText: !s.isEmpty) }

    static func concat(_ parts: [Doc]) -> Doc {
        var forced = false
        var hasText = false
        var hasBreak = false
        var textThenBreak = false
        var breakThenText = false
        for p in parts {
            if p.forced || (textThenBreak && p.hasText) || (hasText && p.breakThenText) { forced = true }
            textThenBreak = textThenBreak || p.textThenBreak || (hasText && p.hasBreak)
            breakThenText = breakThenText || p.breakThenText || (hasBreak && p.hasText)
            hasText = hasText || p.hasText
            hasBreak = hasBreak || p.hasBreak
        }
        return Doc(
            .concat(parts), forced: forced, hasText: hasText, hasBreak: hasBreak, textThenBreak: textThenBreak,
            breakThenText: breakThenText)
    }

    static func nest(_ indent: Int, _ parts: Doc...) -> Doc {
        let inner = concat(parts)
        return Doc(.nest(indent, inner), wrapping: inner)
    }

    static func group(_ parts: Doc...) -> Doc { group(parts) }

    static func group(_ parts: [Doc]) -> Doc {
        let inner = concat(parts)
        return Doc(.group(inner), wrapping: inner)
    }

    static func comment(_ s: String, blankBefore: Bool, blankAfter: Bool) -> Doc {
        Doc(.comment(s, blankBefore: blankBefore, blankAfter: blankAfter), hasBreak: true)
    }

    static func trailingComment(_ s: String) -> Doc {
        // Only a break: whether text precedes it is up to where it sits (a token's text, or nothing
        // for a token left out), which keeps layout the same once the comment stands on its own line.
        Doc(.trailingComment(s), hasBreak: true)
    }

    static func + (a: Doc, b: Doc) -> Doc { concat([a, b]) }
}
