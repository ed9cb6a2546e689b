extension Policy {
    /// The `context` attribute paths the policy's conditions read, e.g. `[["time", "hour"]]` for
    /// `context.time.hour < 9`. Paths are the longest static chains of `.attr` / `["attr"]` /
    /// `has attr` under `context`; a bare `context` is the empty path. Unique and sorted by code
    /// points, as Cedar compares record keys: `"é"` (U+00E9) and `"e\u{301}"` are two paths.
    public var contextPaths: [[String]] {
        var found = Set<[ExactString]>()
        for c in conditions { Policy.collectContextPaths(c.body, into: &found) }
        return found.sorted { $0.lexicographicallyPrecedes($1) }.map { $0.map(\.string) }
    }

    /// The attribute chain under `context`, if `e` is one (`context.a.b` → `["a", "b"]`).
    private static func contextChain(_ e: Expr) -> [ExactString]? {
        switch e {
        case .variable(.context): return []
        case .getAttr(let x, let a): return contextChain(x).map { $0 + [ExactString(a)] }
        default: return nil
        }
    }

    private static func collectContextPaths(_ e: Expr, into found: inout Set<[ExactString]>) {
        if let chain = contextChain(e) {
            found.insert(chain)
            return
        }
        switch e {
        case .literal, .variable, .slot: return
        case .not(let x), .negate(let x), .isEmpty(let x), .like(let x, _), .isType(let x, _):
            collectContextPaths(x, into: &found)
        case .getAttr(let x, _):
            collectContextPaths(x, into: &found)
        case .hasAttr(let x, let a):
            if let chain = contextChain(x) { found.insert(chain + [ExactString(a)]) } else { collectContextPaths(x, into: &found) }
        case .binary(_, let l, let r), .and(let l, let r), .or(let l, let r):
            collectContextPaths(l, into: &found)
            collectContextPaths(r, into: &found)
        case .ifThenElse(let c, let t, let f):
            collectContextPaths(c, into: &found)
            collectContextPaths(t, into: &found)
            collectContextPaths(f, into: &found)
        case .set(let items), .call(_, let items):
            for i in items { collectContextPaths(i, into: &found) }
        case .record(let fields):
            for f in fields { collectContextPaths(f.value, into: &found) }
        }
    }
}

extension Expr {
    /// Whether evaluating the expression can read `context` (the variable appears anywhere in it).
    /// When it cannot, its value (or error) for a request depends only on the principal, action,
    /// resource and the entities: the same for every context.
    var readsContext: Bool {
        switch self {
        case .variable(let v): return v == .context
        case .literal, .slot: return false
        case .not(let x), .negate(let x), .isEmpty(let x), .like(let x, _), .isType(let x, _), .getAttr(let x, _),
            .hasAttr(let x, _):
            return x.readsContext
        case .binary(_, let l, let r), .and(let l, let r), .or(let l, let r):
            return l.readsContext || r.readsContext
        case .ifThenElse(let c, let t, let f):
            return c.readsContext || t.readsContext || f.readsContext
        case .set(let items), .call(_, let items):
            return items.contains { $0.readsContext }
        case .record(let fields):
            return fields.contains { $0.value.readsContext }
        }
    }
}
