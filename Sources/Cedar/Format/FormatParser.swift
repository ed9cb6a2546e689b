/// Reads policy text a second time, keeping what the AST drops (comments, the surface form of
/// `has a.b`, `is T in`, `e["k"]`, parentheses) and lays each policy out as a ``Doc``.
///
/// Comments are carried by tokens (see ``FormatLexer``); a monotonic cursor hands every token's
/// comments out exactly once and in source order, including those of tokens that are not printed
/// (redundant parentheses, trailing commas).
struct FormatParser {
    private let tokens: [FormatToken]
    private let source: [UInt8]
    private let file: String
    private var i = 0
    /// The first token whose comments are not yet in a document.
    private var cursor = 0

    init(text: String, file: String) {
        tokens = FormatLexer.tokenize(text)
        source = Array(text.utf8)
        self.file = file
    }

    /// Every policy's document, then the comments after the last policy.
    mutating func parseFile() throws(ParseError) -> (policies: [Doc], tail: Doc) {
        var out: [Doc] = []
        while peek.kind != .eof {
            out.append(try policy())
        }
        let tail = comments(through: tokens.count - 1)
        return (out, tail)
    }

    // MARK: tokens and comments

    private var peek: FormatToken { tokens[min(i, tokens.count - 1)] }
    private func peekAt(_ k: Int) -> FormatToken { tokens[min(i + k, tokens.count - 1)] }
    private func isPunct(_ s: String) -> Bool { peek.kind == .punct && peek.text == s }
    private func isIdent(_ s: String) -> Bool { peek.kind == .ident && peek.text == s }

    private func leadingDoc(_ t: FormatToken) -> Doc {
        var parts: [Doc] = []
        for (k, c) in t.leading.enumerated() {
            let last = k == t.leading.count - 1
            parts.append(.comment(c.text, blankBefore: c.blankBefore, blankAfter: last && t.blankAfterLeading))
        }
        return .concat(parts)
    }

    private func trailingDoc(_ t: FormatToken) -> Doc {
        guard let c = t.trailing else { return .empty }
        return .trailingComment(c.text)
    }

    /// The comments of every not yet handled token up to and including `index`.
    private mutating func comments(through index: Int) -> Doc {
        var parts: [Doc] = []
        while cursor <= index && cursor < tokens.count {
            parts.append(leadingDoc(tokens[cursor]))
            parts.append(trailingDoc(tokens[cursor]))
            cursor += 1
        }
        return .concat(parts)
    }

    /// Consumes the current token, printed as `text` (default: as written).
    private mutating func take(_ text: String? = nil) -> TokDoc {
        let idx = min(i, tokens.count - 1)
        let t = tokens[idx]
        var pre = Doc.empty
        if cursor < idx { pre = comments(through: idx - 1) }
        var post = Doc.empty
        if cursor <= idx {
            pre = pre + leadingDoc(t)
            post = trailingDoc(t)
            cursor = idx + 1
        }
        if i < tokens.count - 1 { i += 1 }
        return TokDoc(pre: pre, text: text ?? t.text, post: post)
    }

    private mutating func expectPunct(_ s: String) throws(ParseError) -> TokDoc {
        guard isPunct(s) else { throw unexpected("`\(s)`") }
        return take()
    }

    private mutating func expectIdent(_ s: String? = nil) throws(ParseError) -> TokDoc {
        guard peek.kind == .ident, s == nil || peek.text == s else { throw unexpected(s.map { "`\($0)`" } ?? "an identifier") }
        return take()
    }

    private mutating func expectString() throws(ParseError) -> TokDoc {
        guard peek.kind == .string, let s = StringEscaping.canonical(raw: peek.rawString) else {
            throw unexpected("a string literal")
        }
        return take(s)
    }

    private func unexpected(_ what: String) -> ParseError {
        let off = min(peek.start, source.count)
        var line = 1
        var lineStart = 0
        for k in 0..<off where source[k] == 0x0a {
            line += 1
            lineStart = k + 1
        }
        var lineEnd = off
        while lineEnd < source.count && source[lineEnd] != 0x0a { lineEnd += 1 }
        let col = String(decoding: source[lineStart..<off], as: UTF8.self).count + 1
        return ParseError(
            code: .unexpectedToken, message: "expected \(what) here; the formatter cannot read this text",
            location: SourceLocation(file: file, line: line, column: col, offset: off),
            sourceLine: String(decoding: source[lineStart..<lineEnd], as: UTF8.self))
    }

    // MARK: policies

    private mutating func policy() throws(ParseError) -> Doc {
        var parts: [Doc] = []
        while isPunct("@") {
            var ann = try expectPunct("@").doc + expectIdent().doc
            if isPunct("(") {
                ann = ann + take().doc + (try expectString()).doc + (try expectPunct(")")).doc
            }
            parts.append(ann)
            parts.append(.hardline)
        }
        guard isIdent("permit") || isIdent("forbid") else { throw unexpected("`permit` or `forbid`") }
        parts.append(take().doc)
        parts.append(.text(" "))
        let open = try expectPunct("(")
        let principal = try scopeElement("principal")
        let c1 = try expectPunct(",")
        let action = try actionElement()
        let c2 = try expectPunct(",")
        let resource = try scopeElement("resource")
        var trailingComma = Doc.empty
        if isPunct(",") { trailingComma = take().bare }
        let close = try expectPunct(")")
        parts.append(
            .group(
                open.doc,
                .nest(4, .softline, principal, c1.doc, .line, action, c2.doc, .line, resource, trailingComma, close.pre),
                .softline, .text(close.text), close.post))
        while isIdent("when") || isIdent("unless") {
            let kw = take()
            let lb = try expectPunct("{")
            let body = try expr(0).render(minLevel: FormatLevel.ifThenElse)
            let rb = try expectPunct("}")
            parts.append(.hardline)
            parts.append(.group(kw.doc, .text(" "), lb.doc, .nest(4, .line, body, rb.pre), .line, .text(rb.text), rb.post))
        }
        parts.append(try expectPunct(";").doc)
        return .concat(parts)
    }

    private mutating func scopeElement(_ variable: String) throws(ParseError) -> Doc {
        var d = try expectIdent(variable).doc
        if isPunct("==") || isIdent("in") {
            d = d + .text(" ") + take().doc + .text(" ") + (try entityOrSlot())
        } else if isIdent("is") {
            d = d + .text(" ") + take().doc + .text(" ") + (try name())
            if isIdent("in") {
                d = d + .text(" ") + take().doc + .text(" ") + (try entityOrSlot())
            }
        }
        return d
    }

    private mutating func entityOrSlot() throws(ParseError) -> Doc {
        if isPunct("?") {
            return take().doc + (try expectIdent()).doc
        }
        return try entityUID()
    }

    private mutating func actionElement() throws(ParseError) -> Doc {
        var d = try expectIdent("action").doc
        if isPunct("==") {
            d = d + .text(" ") + take().doc + .text(" ") + (try entityUID())
        } else if isIdent("in") {
            d = d + .text(" ") + take().doc + .text(" ")
            if isPunct("[") {
                let open = take()
                var items: [Doc] = []
                while !isPunct("]") && peek.kind != .eof {
                    var item = try entityUID()
                    if isPunct(",") {
                        let comma = take()
                        // A comma before `]` is dropped, its comments kept.
                        item = item + (isPunct("]") ? comma.bare : comma.doc)
                        if !isPunct("]") { item = item + .line }
                    } else {
                        items.append(item)
                        break
                    }
                    items.append(item)
                }
                let close = try expectPunct("]")
                d = d + Self.bracketed(open, items, close)
            } else {
                d = d + (try entityUID())
            }
        }
        return d
    }

    /// `[a, b]`, `(a, b)`, `{a: 1}`: flat, or one item per line.
    private static func bracketed(_ open: TokDoc, _ items: [Doc], _ close: TokDoc) -> Doc {
        if items.isEmpty { return open.doc + close.doc }
        return .group(open.doc, .nest(4, .softline, .concat(items), close.pre), .softline, .text(close.text), close.post)
    }

    /// `A::B::"id"`
    private mutating func entityUID() throws(ParseError) -> Doc {
        var d = try expectIdent().doc
        while true {
            d = d + (try expectPunct("::")).doc
            if peek.kind == .string { return d + (try expectString()).doc }
            d = d + (try expectIdent()).doc
        }
    }

    /// A type name `A::B::C`.
    private mutating func name() throws(ParseError) -> Doc {
        var d = try expectIdent().doc
        while isPunct("::") && peekAt(1).kind == .ident {
            d = d + take().doc + take().doc
        }
        return d
    }

    // MARK: expressions

    private mutating func expr(_ depth: Int) throws(ParseError) -> FormatNode {
        guard depth < PolicyParser.maxDepth + 8 else { throw unexpected("a less deeply nested expression") }
        if isIdent("if") {
            let kwIf = take()
            let c = try expr(depth + 1).render(minLevel: 0)
            let kwThen = try expectIdent("then")
            let t = try expr(depth + 1).render(minLevel: 0)
            let kwElse = try expectIdent("else")
            let e = try expr(depth + 1).render(minLevel: 0)
            let doc = Doc.group(
                kwIf.doc, .text(" "), c,
                .nest(4, .line, kwThen.doc, .text(" "), t, .line, kwElse.doc, .text(" "), e))
            return .atom(level: FormatLevel.ifThenElse, doc: doc, isInt: false)
        }
        return try chain(FormatLevel.or, depth)
    }

    /// `||`, `&&`, `+ -` and `*` chains.
    private mutating func chain(_ level: Int, _ depth: Int) throws(ParseError) -> FormatNode {
        let ops: Set<String>
        switch level {
        case FormatLevel.or: ops = ["||"]
        case FormatLevel.and: ops = ["&&"]
        case FormatLevel.add: ops = ["+", "-"]
        default: ops = ["*"]
        }
        let first = try operand(level, depth)
        var rest: [FormatNode.ChainLink] = []
        while peek.kind == .punct && ops.contains(peek.text) {
            let op = take()
            rest.append(FormatNode.ChainLink(op: op, operand: try operand(level, depth)))
        }
        return rest.isEmpty ? first : .chain(level: level, first: first, rest: rest)
    }

    private mutating func operand(_ level: Int, _ depth: Int) throws(ParseError) -> FormatNode {
        switch level {
        case FormatLevel.or: return try chain(FormatLevel.and, depth)
        case FormatLevel.and: return try relation(depth)
        case FormatLevel.add: return try chain(FormatLevel.mul, depth)
        default: return try unary(depth)
        }
    }

    private mutating func relation(_ depth: Int) throws(ParseError) -> FormatNode {
        let lhsNode = try chain(FormatLevel.add, depth)
        let relOps: Set<String> = ["==", "!=", "<", "<=", ">", ">="]
        func rel(_ parts: Doc...) -> FormatNode {
            .atom(level: FormatLevel.relation, doc: .concat(parts), isInt: false)
        }
        if (peek.kind == .punct && relOps.contains(peek.text)) || isIdent("in") {
            let lhs = lhsNode.render(minLevel: FormatLevel.add)
            let op = take()
            let rhs = try chain(FormatLevel.add, depth).render(minLevel: FormatLevel.add)
            return rel(lhs, .text(" "), op.doc, .group(.nest(4, .line, rhs)))
        }
        if isIdent("has") {
            let lhs = lhsNode.render(minLevel: FormatLevel.add)
            let kw = take()
            var path: Doc
            if peek.kind == .string {
                path = try expectString().doc
            } else {
                path = try expectIdent().doc
                while isPunct(".") && peekAt(1).kind == .ident {
                    path = path + take().doc + take().doc
                }
            }
            return rel(lhs, .text(" "), kw.doc, .text(" "), path)
        }
        if isIdent("like") {
            let lhs = lhsNode.render(minLevel: FormatLevel.add)
            let kw = take()
            guard peek.kind == .string, let pattern = StringEscaping.canonicalPattern(raw: peek.rawString) else {
                throw unexpected("a pattern string")
            }
            return rel(lhs, .text(" "), kw.doc, .text(" "), take(pattern).doc)
        }
        if isIdent("is") {
            let lhs = lhsNode.render(minLevel: FormatLevel.add)
            let kw = take()
            let t = try name()
            if isIdent("in") {
                let kwIn = take()
                let rhs = try chain(FormatLevel.add, depth).render(minLevel: FormatLevel.add)
                return rel(lhs, .text(" "), kw.doc, .text(" "), t, .text(" "), kwIn.doc, .group(.nest(4, .line, rhs)))
            }
            return rel(lhs, .text(" "), kw.doc, .text(" "), t)
        }
        return lhsNode
    }

    private mutating func unary(_ depth: Int) throws(ParseError) -> FormatNode {
        guard isPunct("!") || isPunct("-") else { return try member(depth) }
        let op = peek.text
        var ops: [TokDoc] = []
        while isPunct(op) { ops.append(take()) }
        return .unary(op: op, ops: ops, operand: try member(depth))
    }

    private mutating func member(_ depth: Int) throws(ParseError) -> FormatNode {
        let base = try primary(depth)
        guard isPunct(".") || isPunct("[") else { return base }
        var d = base.render(minLevel: FormatLevel.member)
        while true {
            if isPunct(".") {
                d = d + take().doc + (try expectIdent()).doc
                if isPunct("(") {
                    d = d + (try arguments(close: ")", depth))
                }
            } else if isPunct("[") {
                d = d + take().doc + (try expectString()).doc + (try expectPunct("]")).doc
            } else {
                return .atom(level: FormatLevel.member, doc: d, isInt: false)
            }
        }
    }

    /// `(a, b)` or `[a, b]` from the opening token; a trailing comma is dropped.
    private mutating func arguments(close: String, _ depth: Int) throws(ParseError) -> Doc {
        let open = take()
        var items: [Doc] = []
        while !isPunct(close) && peek.kind != .eof {
            var item = try expr(depth + 1).render(minLevel: 0)
            guard isPunct(",") else {
                items.append(item)
                break
            }
            let comma = take()
            item = item + (isPunct(close) ? comma.bare : comma.doc)
            if !isPunct(close) { item = item + .line }
            items.append(item)
        }
        let closeTok = try expectPunct(close)
        return Self.bracketed(open, items, closeTok)
    }

    private mutating func primary(_ depth: Int) throws(ParseError) -> FormatNode {
        let t = peek
        switch t.kind {
        case .int:
            var digits = Substring(t.text)
            while digits.count > 1 && digits.first == "0" { digits = digits.dropFirst() }
            return .atom(level: FormatLevel.member, doc: take(String(digits)).doc, isInt: true)
        case .string:
            return .atom(level: FormatLevel.member, doc: try expectString().doc, isInt: false)
        case .punct where t.text == "(":
            let open = take()
            let inner = try expr(depth + 1)
            let close = try expectPunct(")")
            return .paren(open: open, inner: inner, close: close)
        case .punct where t.text == "[":
            return .atom(level: FormatLevel.member, doc: try arguments(close: "]", depth), isInt: false)
        case .punct where t.text == "{":
            return .atom(level: FormatLevel.member, doc: try record(depth), isInt: false)
        case .ident:
            if peekAt(1).kind == .punct && peekAt(1).text == "::" {
                return .atom(level: FormatLevel.member, doc: try entityUID(), isInt: false)
            }
            let name = take()
            if isPunct("(") {
                return .atom(level: FormatLevel.member, doc: name.doc + (try arguments(close: ")", depth)), isInt: false)
            }
            return .atom(level: FormatLevel.member, doc: name.doc, isInt: false)
        default:
            throw unexpected("an expression")
        }
    }

    private mutating func record(_ depth: Int) throws(ParseError) -> Doc {
        let open = take()
        var items: [Doc] = []
        while !isPunct("}") && peek.kind != .eof {
            let key: TokDoc
            if peek.kind == .string {
                key = try expectString()
            } else {
                key = try expectIdent()
            }
            let colon = try expectPunct(":")
            let value = try expr(depth + 1).render(minLevel: 0)
            var item = key.doc + colon.doc + .text(" ") + value
            guard isPunct(",") else {
                items.append(item)
                break
            }
            let comma = take()
            item = item + (isPunct("}") ? comma.bare : comma.doc)
            if !isPunct("}") { item = item + .line }
            items.append(item)
        }
        let close = try expectPunct("}")
        return Self.bracketed(open, items, close)
    }
}
