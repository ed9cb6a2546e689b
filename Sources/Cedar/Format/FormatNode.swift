/// Precedence levels, loosest first: a child printed where a tighter level is required gets parentheses.
enum FormatLevel {
    static let ifThenElse = 0
    static let or = 1
    static let and = 2
    static let relation = 3
    static let add = 4
    static let mul = 5
    static let unary = 6
    static let member = 7
}

/// A token laid out: its leading comments (and those of any dropped token before it), its text,
/// and its trailing comment.
struct TokDoc: Sendable {
    let pre: Doc
    let text: String
    let post: Doc

    /// The token as printed.
    var doc: Doc { pre + .text(text) + post }
    /// Only the comments, for a token the formatter leaves out (a redundant parenthesis).
    var bare: Doc { pre + post }
}

/// An expression whose own parentheses are not yet decided: the parent knows the context.
/// Everything below the top is already laid out as ``Doc``s, comments included.
indirect enum FormatNode: Sendable {
    /// Laid out; `isInt` marks an integer literal (after `-` it would fold into a negative literal).
    case atom(level: Int, doc: Doc, isInt: Bool)
    case paren(open: TokDoc, inner: FormatNode, close: TokDoc)
    /// A left-associative chain of one level: `||`, `&&`, `+`/`-` or `*`.
    case chain(level: Int, first: FormatNode, rest: [ChainLink])
    /// `!` or `-` repeated, then the operand.
    case unary(op: String, ops: [TokDoc], operand: FormatNode)

    struct ChainLink: Sendable {
        let op: TokDoc
        let operand: FormatNode
    }

    var level: Int {
        switch self {
        case .atom(let level, _, _): return level
        case .paren(_, let inner, _): return inner.level
        case .chain(let level, _, _): return level
        case .unary: return FormatLevel.unary
        }
    }

    /// Lays the node out where an expression of at least `minLevel` is required,
    /// keeping only the parentheses the meaning needs.
    func render(minLevel: Int) -> Doc {
        switch self {
        case .atom(let level, let doc, _):
            return level >= minLevel ? doc : Self.parenthesize(doc)
        case .paren(let open, let inner, let close):
            if inner.level >= minLevel {
                return open.bare + inner.render(minLevel: minLevel) + close.bare
            }
            return Self.withParens(open, inner.render(minLevel: 0), close)
        case .chain(let level, _, _):
            let doc = renderChain()
            return level >= minLevel ? doc : Self.parenthesize(doc)
        case .unary:
            let doc = renderUnary()
            return FormatLevel.unary >= minLevel ? doc : Self.parenthesize(doc)
        }
    }

    /// `(inner)`, or broken with the inside indented; comments before `)` stay inside.
    static func withParens(_ open: TokDoc, _ inner: Doc, _ close: TokDoc) -> Doc {
        .group(open.doc, .nest(4, .softline, inner, close.pre), .softline, .text(close.text), close.post)
    }

    static func parenthesize(_ doc: Doc) -> Doc {
        withParens(TokDoc(pre: .empty, text: "(", post: .empty), doc, TokDoc(pre: .empty, text: ")", post: .empty))
    }

    /// Strips parentheses, collecting their comments.
    private func unwrapped() -> (pre: Doc, node: FormatNode, post: Doc) {
        var pre = Doc.empty
        var post = Doc.empty
        var n = self
        while case .paren(let open, let inner, let close) = n {
            pre = pre + open.bare
            post = close.bare + post
            n = inner
        }
        return (pre, n, post)
    }

    /// `(a && b) && c` is `a && b && c`: a parenthesised first operand of the same level is spliced in.
    private func chainParts() -> (lead: Doc, links: [(TokDoc, Doc)]) {
        guard case .chain(let level, let first, let rest) = self else { return (render(minLevel: 0), []) }
        var lead: Doc
        var links: [(TokDoc, Doc)] = []
        let (pre, inner, post) = first.unwrapped()
        if case .chain(let innerLevel, _, _) = inner, innerLevel == level {
            let (l, ls) = inner.chainParts()
            lead = pre + l
            links = ls
            if let last = links.popLast() {
                links.append((last.0, last.1 + post))
            } else {
                lead = lead + post
            }
        } else {
            lead = first.render(minLevel: level)
        }
        for link in rest { links.append((link.op, link.operand.render(minLevel: level + 1))) }
        return (lead, links)
    }

    private func renderChain() -> Doc {
        let (lead, links) = chainParts()
        var parts = [lead]
        for (op, operand) in links {
            parts.append(.text(" "))
            parts.append(op.doc)
            parts.append(.line)
            parts.append(operand)
        }
        return .group(parts)
    }

    private func renderUnary() -> Doc {
        guard case .unary(let op, let firstOps, var operand) = self else { return render(minLevel: 0) }
        var count = firstOps.count
        var doc = Doc.concat(firstOps.map(\.doc))
        var post = Doc.empty
        // `!(!x)` is `!!x`; the parser takes at most four in a row.
        while true {
            let (p, inner, q) = operand.unwrapped()
            guard case .unary(let innerOp, let innerOps, let innerOperand) = inner, innerOp == op,
                count + innerOps.count <= 4
            else { break }
            doc = doc + p + .concat(innerOps.map(\.doc))
            post = q + post
            count += innerOps.count
            operand = innerOperand
        }
        // `-(5)` must keep its parentheses: `-5` is a literal, not a negation.
        if op == "-", case .paren(let open, let parenthesised, let close) = operand,
            case (let p, .atom(_, let innerDoc, true), let q) = parenthesised.unwrapped()
        {
            doc = doc + open.doc + p + innerDoc + q + close.doc
        } else {
            doc = doc + operand.render(minLevel: FormatLevel.member)
        }
        return doc + post
    }
}
