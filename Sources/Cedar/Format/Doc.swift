/// A layout document: text plus places where a line may break (Wadler's "prettier printer").
///
/// `forced` is true when the document has a line break after some of its text (a comment in the
/// middle, a trailing comment), so every group around it must break. A comment before all of a
/// group's text does not force it: the comment goes on the lines above and the group may stay flat.
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
    let forced: Bool
    let hasText: Bool
    let hasBreak: Bool

    private init(_ kind: Kind, forced: Bool = false, hasText: Bool = false, hasBreak: Bool = false) {
        self.kind = kind
        self.forced = forced
        self.hasText = hasText
        self.hasBreak = hasBreak
    }

    private init(_ kind: Kind, wrapping d: Doc) {
        self.init(kind, forced: d.forced, hasText: d.hasText, hasBreak: d.hasBreak)
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
        var seenText = false
        var hasBreak = false
        for p in parts {
            if p.forced || (p.hasBreak && seenText) { forced = true }
            seenText = seenText || p.hasText
            hasBreak = hasBreak || p.hasBreak
        }
        return Doc(.concat(parts), forced: forced, hasText: seenText, hasBreak: hasBreak)
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
        Doc(.trailingComment(s), forced: true, hasText: true, hasBreak: true)
    }

    static func + (a: Doc, b: Doc) -> Doc { concat([a, b]) }
}
