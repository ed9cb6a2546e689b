/// Parses Cedar policy text into ``Policy`` values.
public struct PolicyParser {
    /// Expressions nested deeper than this are rejected, which bounds every later recursion.
    public static let maxDepth = 200

    private let source: [UInt8]
    private let file: String
    private var tokens: [Token] = []
    private var i = 0
    /// Byte offsets where each line starts, for turning offsets into line/column.
    private let lineStarts: [Int]

    private init(source: [UInt8], file: String) {
        self.source = source
        self.file = file
        var starts = [0]
        for (k, b) in source.enumerated() where b == 0x0a { starts.append(k + 1) }
        lineStarts = starts
    }

    /// Parses every policy and template in `text`, in source order, with ids `policy0`, `policy1`, ….
    public static func parsePolicies(_ text: String, file: String = "<input>") throws(ParseError) -> [Policy] {
        var p = PolicyParser(source: Array(text.utf8), file: file)
        try p.tokenize()
        var out: [Policy] = []
        while p.peek.kind != .eof {
            var policy = try p.policy()
            policy.id = "policy\(out.count)"
            out.append(policy)
        }
        return out
    }

    /// Parses a single expression (used by tests and tools).
    public static func parseExpression(_ text: String, file: String = "<input>") throws(ParseError) -> Expr {
        var p = PolicyParser(source: Array(text.utf8), file: file)
        try p.tokenize()
        let e = try p.expr(0)
        guard p.peek.kind == .eof else { throw p.error(.unexpectedToken, "unexpected \(p.describe(p.peek)) after the expression") }
        return e
    }

    /// Parses an entity uid written in Cedar syntax, such as `User::"alice"`.
    public static func parseEntityUID(_ text: String, file: String = "<input>") throws(ParseError) -> EntityUID {
        var p = PolicyParser(source: Array(text.utf8), file: file)
        try p.tokenize()
        let uid = try p.entityUID()
        guard p.peek.kind == .eof else { throw p.error(.unexpectedToken, "unexpected \(p.describe(p.peek)) after the entity uid") }
        return uid
    }

    // MARK: tokens

    private mutating func tokenize() throws(ParseError) {
        var lx = Lexer(source)
        while true {
            switch lx.next() {
            case .success(let t):
                tokens.append(t)
                if t.kind == .eof { return }
            case .failure(let e):
                throw error(.unexpectedToken, e.message, at: e.offset)
            }
        }
    }

    private var peek: Token { tokens[min(i, tokens.count - 1)] }
    private func peekAt(_ k: Int) -> Token { tokens[min(i + k, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let t = peek
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    private func isIdent(_ word: String) -> Bool { peek.kind == .ident && peek.text == word }

    private mutating func expect(_ k: Token.Kind, _ what: String) throws(ParseError) -> Token {
        guard peek.kind == k else { throw error(.unexpectedToken, "expected \(what), found \(describe(peek))") }
        return advance()
    }

    private mutating func expectIdent(_ word: String) throws(ParseError) {
        guard isIdent(word) else { throw error(.unexpectedToken, "expected `\(word)`, found \(describe(peek))") }
        _ = advance()
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .eof: return "end of input"
        case .ident: return "`\(t.text)`"
        case .int: return "`\(t.text)`"
        case .string: return "a string literal"
        default:
            let end = min(source.count, t.offset + 2)
            var s = String(decoding: source[t.offset..<end], as: UTF8.self)
            if ![Token.Kind.doubleColon, .eq, .neq, .le, .ge, .and, .or].contains(t.kind) { s = String(s.prefix(1)) }
            return "`\(s)`"
        }
    }

    func location(_ offset: Int) -> SourceLocation {
        let end = min(offset, source.count)
        // Binary search for the last line start <= end.
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= end { lo = mid } else { hi = mid - 1 }
        }
        let line = lo + 1
        let lineStart = lineStarts[lo]
        let col = String(decoding: source[lineStart..<end], as: UTF8.self).count + 1
        return SourceLocation(file: file, line: line, column: col, offset: offset)
    }

    private func error(_ code: ParseError.Code, _ message: String, at offset: Int? = nil) -> ParseError {
        let off = min(offset ?? peek.offset, source.count)
        let loc = location(off)
        var ls = off
        while ls > 0 && source[ls - 1] != 0x0a { ls -= 1 }
        var le = off
        while le < source.count && source[le] != 0x0a { le += 1 }
        let line = String(decoding: source[ls..<le], as: UTF8.self)
        return ParseError(code: code, message: message, location: loc, sourceLine: line)
    }

    // MARK: policies

    private mutating func policy() throws(ParseError) -> Policy {
        let startOffset = peek.offset
        var annotations: [Annotation] = []
        while peek.kind == .at {
            _ = advance()
            let keyTok = try expect(.ident, "an annotation name")
            var value = ""
            if peek.kind == .lparen {
                _ = advance()
                let s = try expect(.string, "a string literal")
                guard let v = Unescape.string(s.text) else { throw error(.invalidEscape, "invalid escape in string literal", at: s.offset) }
                value = v
                _ = try expect(.rparen, "`)`")
            }
            if annotations.contains(where: { $0.key == keyTok.text }) {
                throw error(.duplicateKey, "duplicate annotation `@\(keyTok.text)`", at: keyTok.offset)
            }
            annotations.append(Annotation(key: keyTok.text, value: value))
        }
        let effect: Effect
        if isIdent("permit") {
            effect = .permit
        } else if isIdent("forbid") {
            effect = .forbid
        } else {
            throw error(.unexpectedToken, "expected `permit` or `forbid`, found \(describe(peek))")
        }
        _ = advance()
        _ = try expect(.lparen, "`(`")
        try expectIdent("principal")
        let principal = try scope(slot: .principal)
        _ = try expect(.comma, "`,`")
        try expectIdent("action")
        let action = try actionScope()
        _ = try expect(.comma, "`,`")
        try expectIdent("resource")
        let resource = try scope(slot: .resource)
        if peek.kind == .comma && peekAt(1).kind == .rparen { _ = advance() }
        _ = try expect(.rparen, "`)`")
        var conditions: [Condition] = []
        while isIdent("when") || isIdent("unless") {
            let kind: Condition.Kind = advance().text == "when" ? .when : .unless
            _ = try expect(.lbrace, "`{`")
            if peek.kind == .rbrace { throw error(.unexpectedToken, "a `\(kind.rawValue)` clause needs an expression") }
            let body = try expr(0)
            _ = try expect(.rbrace, "`}`")
            conditions.append(Condition(kind: kind, body: body))
        }
        _ = try expect(.semicolon, "`;`")
        return Policy(
            id: "", effect: effect, principal: principal, action: action, resource: resource,
            conditions: conditions, annotations: annotations, location: location(startOffset))
    }

    private mutating func scope(slot: SlotID) throws(ParseError) -> ScopeConstraint {
        if peek.kind == .eq {
            _ = advance()
            return .eq(try entityOrSlot(slot))
        }
        if isIdent("in") {
            _ = advance()
            return .in(try entityOrSlot(slot))
        }
        if isIdent("is") {
            _ = advance()
            let t = try name()
            if isIdent("in") {
                _ = advance()
                return .isIn(t, try entityOrSlot(slot))
            }
            return .is(t)
        }
        return .any
    }

    private mutating func entityOrSlot(_ slot: SlotID) throws(ParseError) -> EntityReference {
        if peek.kind == .question {
            let q = advance()
            let t = try expect(.ident, "a slot name")
            guard "?" + t.text == slot.rawValue else {
                throw error(.invalidScope, "expected the slot `\(slot.rawValue)` here", at: q.offset)
            }
            return .slot(slot)
        }
        return .uid(try entityUID())
    }

    private mutating func actionScope() throws(ParseError) -> ActionConstraint {
        if peek.kind == .eq {
            _ = advance()
            return .eq(try actionUID())
        }
        if isIdent("in") {
            _ = advance()
            if peek.kind == .lbracket {
                _ = advance()
                var list: [EntityUID] = []
                while peek.kind != .rbracket {
                    list.append(try actionUID())
                    if peek.kind == .comma { _ = advance() } else { break }
                }
                _ = try expect(.rbracket, "`]`")
                return .inSet(list)
            }
            return .in(try actionUID())
        }
        if isIdent("is") { throw error(.invalidScope, "`is` cannot appear in the action scope") }
        return .any
    }

    private mutating func actionUID() throws(ParseError) -> EntityUID {
        let off = peek.offset
        let uid = try entityUID()
        guard uid.type.isActionType else {
            throw error(.invalidScope, "expected an action entity such as `Action::\"view\"`, found `\(uid)`", at: off)
        }
        return uid
    }

    /// `A::B::"id"`
    private mutating func entityUID() throws(ParseError) -> EntityUID {
        var parts: [String] = []
        let first = try expect(.ident, "an entity type")
        try checkPathIdent(first)
        parts.append(first.text)
        while true {
            _ = try expect(.doubleColon, "`::`")
            if peek.kind == .string {
                let s = advance()
                guard let id = Unescape.string(s.text) else {
                    throw error(.invalidEscape, "invalid escape in string literal", at: s.offset)
                }
                return EntityUID(type: Name(parts.joined(separator: "::")), id: id)
            }
            let t = try expect(.ident, "an identifier or a string literal")
            try checkPathIdent(t)
            parts.append(t.text)
        }
    }

    private func checkPathIdent(_ t: Token) throws(ParseError) {
        if NameSyntax.reserved.contains(t.text) {
            throw error(.invalidName, "`\(t.text)` is a reserved word and cannot be used in a name", at: t.offset)
        }
    }

    /// A type name `A::B::C`.
    private mutating func name() throws(ParseError) -> Name {
        var parts: [String] = []
        let first = try expect(.ident, "a type name")
        try checkPathIdent(first)
        parts.append(first.text)
        while peek.kind == .doubleColon && peekAt(1).kind == .ident {
            _ = advance()
            let t = advance()
            try checkPathIdent(t)
            parts.append(t.text)
        }
        return Name(parts.joined(separator: "::"))
    }

    // MARK: expressions

    private mutating func expr(_ depth: Int) throws(ParseError) -> Expr {
        guard depth < PolicyParser.maxDepth else { throw error(.tooDeep, "the expression is nested too deeply") }
        if isIdent("if") {
            _ = advance()
            let c = try expr(depth + 1)
            try expectIdent("then")
            let t = try expr(depth + 1)
            try expectIdent("else")
            let e = try expr(depth + 1)
            return .ifThenElse(c, t, e)
        }
        var lhs = try andExpr(depth)
        while peek.kind == .or {
            _ = advance()
            lhs = .or(lhs, try andExpr(depth))
        }
        return lhs
    }

    private mutating func andExpr(_ depth: Int) throws(ParseError) -> Expr {
        var lhs = try relation(depth)
        while peek.kind == .and {
            _ = advance()
            lhs = .and(lhs, try relation(depth))
        }
        return lhs
    }

    private mutating func relation(_ depth: Int) throws(ParseError) -> Expr {
        let lhs = try add(depth)
        let op: BinaryOp?
        switch peek.kind {
        case .eq: op = .eq
        case .neq: op = .neq
        case .lt: op = .lt
        case .le: op = .le
        case .gt: op = .gt
        case .ge: op = .ge
        default: op = isIdent("in") ? .in : nil
        }
        if let op {
            _ = advance()
            let rhs = try add(depth)
            try noChainedRelation()
            return .binary(op, lhs, rhs)
        }
        if isIdent("has") {
            _ = advance()
            var path: [String] = []
            if peek.kind == .string {
                let s = advance()
                guard let v = Unescape.string(s.text) else { throw error(.invalidEscape, "invalid escape in string literal", at: s.offset) }
                path.append(v)
            } else {
                let t = try expect(.ident, "an attribute name or string literal after `has`")
                try checkPathIdent(t)
                path.append(t.text)
                while peek.kind == .dot && peekAt(1).kind == .ident {
                    _ = advance()
                    let next = advance()
                    try checkPathIdent(next)
                    path.append(next.text)
                }
            }
            try noChainedRelation()
            // `e has a.b.c` is `e has a && e.a has b && e.a.b has c`.
            var result = Expr.hasAttr(lhs, path[0])
            var base = lhs
            for k in 1..<max(1, path.count) where k < path.count {
                base = .getAttr(base, path[k - 1])
                result = .and(result, .hasAttr(base, path[k]))
            }
            return result
        }
        if isIdent("like") {
            _ = advance()
            let s = try expect(.string, "a pattern string after `like`")
            guard let els = Unescape.decode(s.text, pattern: true) else {
                throw error(.invalidEscape, "invalid escape in pattern", at: s.offset)
            }
            try noChainedRelation()
            return .like(lhs, Pattern(els))
        }
        if isIdent("is") {
            _ = advance()
            let t = try name()
            if isIdent("in") {
                _ = advance()
                let rhs = try add(depth)
                try noChainedRelation()
                return .and(.isType(lhs, t), .binary(.in, lhs, rhs))
            }
            try noChainedRelation()
            return .isType(lhs, t)
        }
        return lhs
    }

    private func noChainedRelation() throws(ParseError) {
        switch peek.kind {
        case .eq, .neq, .lt, .le, .gt, .ge:
            throw error(.unexpectedToken, "comparison operators cannot be chained; add parentheses")
        case .ident where ["in", "has", "like", "is"].contains(peek.text):
            throw error(.unexpectedToken, "`\(peek.text)` cannot follow another comparison; add parentheses")
        default: return
        }
    }

    private mutating func add(_ depth: Int) throws(ParseError) -> Expr {
        var lhs = try mult(depth)
        while peek.kind == .plus || peek.kind == .minus {
            let op: BinaryOp = advance().kind == .plus ? .add : .sub
            lhs = .binary(op, lhs, try mult(depth))
        }
        return lhs
    }

    private mutating func mult(_ depth: Int) throws(ParseError) -> Expr {
        var lhs = try unary(depth)
        while peek.kind == .star {
            _ = advance()
            lhs = .binary(.mul, lhs, try unary(depth))
        }
        return lhs
    }

    private mutating func unary(_ depth: Int) throws(ParseError) -> Expr {
        if peek.kind == .bang {
            var n = 0
            while peek.kind == .bang {
                _ = advance()
                n += 1
            }
            if n > 4 { throw error(.unexpectedToken, "too many `!` in a row") }
            var e = try member(depth)
            for _ in 0..<n { e = .not(e) }
            return e
        }
        if peek.kind == .minus {
            var n = 0
            while peek.kind == .minus {
                _ = advance()
                n += 1
            }
            if n > 4 { throw error(.unexpectedToken, "too many `-` in a row") }
            var e: Expr
            // `-N` is a negative literal, so `-9223372036854775808` is valid.
            if peek.kind == .int && peekAt(1).kind != .dot && peekAt(1).kind != .lbracket {
                let t = advance()
                guard let mag = UInt64(t.text), mag <= UInt64(Int64.max) + 1 else {
                    throw error(.invalidLiteral, "integer literal `\(t.text)` is too large", at: t.offset)
                }
                e = .literal(.long(mag == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mag)))
                n -= 1
            } else {
                e = try member(depth)
            }
            for _ in 0..<n { e = .negate(e) }
            return e
        }
        return try member(depth)
    }

    private mutating func member(_ depth: Int) throws(ParseError) -> Expr {
        var e = try primary(depth)
        while true {
            if peek.kind == .dot {
                _ = advance()
                let t = try expect(.ident, "an attribute or method name after `.`")
                try checkPathIdent(t)
                if peek.kind == .lparen {
                    _ = advance()
                    let args = try exprList(until: .rparen, depth)
                    e = try methodCall(e, t, args)
                } else {
                    e = .getAttr(e, t.text)
                }
            } else if peek.kind == .lbracket {
                _ = advance()
                let s = try expect(.string, "a string literal inside `[` `]`")
                guard let v = Unescape.string(s.text) else { throw error(.invalidEscape, "invalid escape in string literal", at: s.offset) }
                _ = try expect(.rbracket, "`]`")
                e = .getAttr(e, v)
            } else {
                return e
            }
        }
    }

    private func methodCall(_ recv: Expr, _ t: Token, _ args: [Expr]) throws(ParseError) -> Expr {
        func arity(_ n: Int) throws(ParseError) {
            guard args.count == n else {
                throw error(.wrongArity, "`\(t.text)` takes \(n) argument(s), got \(args.count)", at: t.offset)
            }
        }
        switch t.text {
        case "contains":
            try arity(1)
            return .binary(.contains, recv, args[0])
        case "containsAll":
            try arity(1)
            return .binary(.containsAll, recv, args[0])
        case "containsAny":
            try arity(1)
            return .binary(.containsAny, recv, args[0])
        case "getTag":
            try arity(1)
            return .binary(.getTag, recv, args[0])
        case "hasTag":
            try arity(1)
            return .binary(.hasTag, recv, args[0])
        case "isEmpty":
            try arity(0)
            return .isEmpty(recv)
        default:
            guard let n = Extensions.methods[t.text] else {
                if Extensions.constructors.contains(t.text) {
                    throw error(.unknownFunction, "`\(t.text)` must be called as a function, e.g. `\(t.text)(\"...\")`", at: t.offset)
                }
                throw error(.unknownFunction, "`\(t.text)` is not a known method", at: t.offset)
            }
            // Extension arity is checked at evaluation time, as Cedar does.
            _ = n
            return .call(t.text, [recv] + args)
        }
    }

    private mutating func exprList(until close: Token.Kind, _ depth: Int) throws(ParseError) -> [Expr] {
        var out: [Expr] = []
        while peek.kind != close {
            out.append(try expr(depth + 1))
            if peek.kind == .comma { _ = advance() } else { break }
        }
        _ = try expect(close, close == .rparen ? "`)`" : "`]`")
        return out
    }

    private mutating func primary(_ depth: Int) throws(ParseError) -> Expr {
        let t = peek
        switch t.kind {
        case .int:
            _ = advance()
            guard let v = Int64(t.text) else {
                throw error(.invalidLiteral, "integer literal `\(t.text)` is too large", at: t.offset)
            }
            return .literal(.long(v))
        case .string:
            _ = advance()
            guard let v = Unescape.string(t.text) else { throw error(.invalidEscape, "invalid escape in string literal", at: t.offset) }
            return .literal(.string(v))
        case .lparen:
            _ = advance()
            let e = try expr(depth + 1)
            _ = try expect(.rparen, "`)`")
            return e
        case .lbracket:
            _ = advance()
            return .set(try exprList(until: .rbracket, depth))
        case .lbrace:
            _ = advance()
            var fields: [RecordField] = []
            var seen: Set<ExactString> = []
            while peek.kind != .rbrace {
                let k = advance()
                let key: String
                if k.kind == .string {
                    guard let v = Unescape.string(k.text) else {
                        throw error(.invalidEscape, "invalid escape in string literal", at: k.offset)
                    }
                    key = v
                } else if k.kind == .ident {
                    try checkPathIdent(k)
                    key = k.text
                } else {
                    throw error(.unexpectedToken, "expected a record key, found \(describe(k))", at: k.offset)
                }
                _ = try expect(.colon, "`:`")
                let v = try expr(depth + 1)
                guard seen.insert(ExactString(key)).inserted else {
                    throw error(.duplicateKey, "duplicate key `\(key)` in record literal", at: k.offset)
                }
                fields.append(RecordField(key: key, value: v))
                if peek.kind == .comma { _ = advance() } else { break }
            }
            _ = try expect(.rbrace, "`}`")
            return .record(fields)
        case .question:
            throw error(.invalidScope, "template slots may only appear in the policy scope")
        case .ident:
            if t.text == "true" || t.text == "false" {
                _ = advance()
                return .literal(.bool(t.text == "true"))
            }
            // A path: a variable, an entity uid, or a function name.
            if peekAt(1).kind == .doubleColon {
                let start = i
                var parts: [String] = []
                while peek.kind == .ident && peekAt(1).kind == .doubleColon {
                    let p = advance()
                    try checkPathIdent(p)
                    parts.append(p.text)
                    _ = advance()
                    if peek.kind == .string {
                        let s = advance()
                        guard let id = Unescape.string(s.text) else {
                            throw error(.invalidEscape, "invalid escape in string literal", at: s.offset)
                        }
                        return .literal(.entity(EntityUID(type: Name(parts.joined(separator: "::")), id: id)))
                    }
                }
                i = start
                throw error(.unknownFunction, "expected an entity uid such as `Type::\"id\"`")
            }
            _ = advance()
            if peek.kind == .lparen {
                _ = advance()
                let args = try exprList(until: .rparen, depth)
                if Extensions.constructors.contains(t.text) {
                    return .call(t.text, args)
                }
                if Extensions.methods[t.text] != nil
                    || ["contains", "containsAll", "containsAny", "isEmpty", "getTag", "hasTag"].contains(t.text)
                {
                    throw error(.unknownFunction, "`\(t.text)` must be called as a method, e.g. `x.\(t.text)(...)`", at: t.offset)
                }
                throw error(.unknownFunction, "`\(t.text)` is not a known function", at: t.offset)
            }
            if let v = Var(rawValue: t.text) { return .variable(v) }
            throw error(
                .unexpectedToken, "unknown variable `\(t.text)`; expected `principal`, `action`, `resource` or `context`", at: t.offset)
        default:
            throw error(.unexpectedToken, "expected an expression, found \(describe(t))")
        }
    }
}
