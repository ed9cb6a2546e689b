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
    case eq = "==", neq = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case add = "+", sub = "-", mul = "*"
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
    public init(_ elements: [Element]) { self.elements = elements }
}
