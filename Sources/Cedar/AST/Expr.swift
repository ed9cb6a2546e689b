/// The request variables.
public enum Var: String, Sendable, Hashable, CaseIterable {
    case principal, action, resource, context
}

/// Template slots.
public enum SlotID: String, Sendable, Hashable {
    case principal = "?principal"
    case resource = "?resource"
}

/// Binary operators evaluated strictly (both operands always evaluated).
public enum BinaryOp: String, Sendable, Hashable {
    case eq = "=="
    case neq = "!="
    case lt = "<"
    case le = "<="
    case gt = ">"
    case ge = ">="
    case add = "+"
    case sub = "-"
    case mul = "*"
    case `in` = "in"
    case contains, containsAll, containsAny, getTag, hasTag
}

/// A Cedar expression.
public indirect enum Expr: Sendable, Hashable {
    case literal(Value)
    case variable(Var)
    case slot(SlotID)
    case not(Expr)
    case negate(Expr)
    case binary(BinaryOp, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case ifThenElse(Expr, Expr, Expr)
    /// `e.attr` or `e["attr"]`.
    case getAttr(Expr, String)
    /// `e has attr` (a nested `has a.b` is desugared into a conjunction at parse time).
    case hasAttr(Expr, String)
    case like(Expr, Pattern)
    /// `e is T` (an `e is T in x` is desugared to `e is T && e in x`).
    case isType(Expr, Name)
    /// `[a, b, ...]`
    case set([Expr])
    /// `{a: x, "b": y}`; keys are unique (duplicates are a parse error).
    case record([RecordField])
    /// `isEmpty()` on a set.
    case isEmpty(Expr)
    /// An extension function or method call; for a method the receiver is the first argument.
    case call(String, [Expr])
}

/// A record literal field.
public struct RecordField: Sendable, Hashable {
    public let key: String
    public let value: Expr
    public init(key: String, value: Expr) {
        self.key = key
        self.value = value
    }
}

/// A `like` pattern: literal characters and `*` wildcards.
public struct Pattern: Sendable, Hashable {
    public enum Element: Sendable, Hashable {
        case wildcard
        case char(Unicode.Scalar)
    }
    public let elements: [Element]
    /// The literal runs between wildcards, as UTF-8. Matching on bytes is equivalent to matching
    /// on scalars because UTF-8 is self-synchronising.
    let segments: [[UInt8]]
    let startsWithWildcard: Bool
    let endsWithWildcard: Bool

    public init(_ elements: [Element]) {
        self.elements = elements
        var segs: [[UInt8]] = []
        var cur: [UInt8] = []
        for e in elements {
            switch e {
            case .wildcard:
                segs.append(cur)
                cur = []
            case .char(let c):
                cur.append(contentsOf: Array(String(Character(c)).utf8))
            }
        }
        segs.append(cur)
        segments = segs
        startsWithWildcard = elements.first == .wildcard
        endsWithWildcard = elements.last == .wildcard
    }

    /// Whether `s` matches: the first run is a prefix, the last a suffix, the others found in order.
    func matches(_ s: String) -> Bool {
        var str = s
        return str.withUTF8 { text in matches(text) }
    }

    private func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = text.count
        if segments.count == 1 {
            return segments[0].withUnsafeBufferPointer { seg in seg.count == n && Pattern.equal(text, 0, seg) }
        }
        var pos = 0
        var end = n
        let first = segments[0]
        let last = segments[segments.count - 1]
        if first.count + last.count > n { return false }
        if !first.isEmpty {
            guard first.withUnsafeBufferPointer({ Pattern.equal(text, 0, $0) }) else { return false }
            pos = first.count
        }
        if !last.isEmpty {
            guard last.withUnsafeBufferPointer({ Pattern.equal(text, n - $0.count, $0) }) else { return false }
            end = n - last.count
        }
        if segments.count > 2 {
            for k in 1..<(segments.count - 1) {
                let seg = segments[k]
                if seg.isEmpty { continue }
                let found: Int? = seg.withUnsafeBufferPointer { sp in
                    var i = pos
                    while i + sp.count <= end {
                        if Pattern.equal(text, i, sp) { return i }
                        i += 1
                    }
                    return nil
                }
                guard let at = found else { return false }
                pos = at + seg.count
            }
        }
        return pos <= end
    }

    @inline(__always)
    private static func equal(_ text: UnsafeBufferPointer<UInt8>, _ at: Int, _ seg: UnsafeBufferPointer<UInt8>) -> Bool {
        if at < 0 || at + seg.count > text.count { return false }
        var k = 0
        while k < seg.count {
            if text[at + k] != seg[k] { return false }
            k += 1
        }
        return true
    }

    public static func == (a: Pattern, b: Pattern) -> Bool { a.elements == b.elements }
    public func hash(into h: inout Hasher) { h.combine(elements) }
}
