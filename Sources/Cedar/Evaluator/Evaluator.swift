/// Evaluates expressions for one request against an entity store, with Cedar's exact
/// short-circuit and error rules.
struct Evaluator<Store: EntityStore> {
    let request: Request
    let store: Store
    /// Bounds recursion; the parser bounds nesting too, so this only guards hand-built ASTs.
    static var maxDepth: Int { 1024 }

    /// The principal's and resource's attributes, read once per request (nil: not in the store).
    let principalAttributes: [ExactString: Value]?
    let resourceAttributes: [ExactString: Value]?

    init(request: Request, store: Store) {
        self.request = request
        self.store = store
        principalAttributes = store.attributes(of: request.principal)
        resourceAttributes = store.attributes(of: request.resource)
    }

    /// Evaluates a policy's conditions (its scope has already been matched).
    /// Returns whether the policy is satisfied.
    func conditionsHold(_ policy: CompiledPolicy) throws(EvaluationError) -> Bool {
        for (body, wanted) in policy.conditions {
            let v = try eval(body, 0)
            guard case .bool(let b) = v else { throw .type(expected: "bool", got: v) }
            if b != wanted { return false }
        }
        return true
    }

    /// Whether the request matches the policy's scope. Scopes cannot error.
    func scopeMatches(_ policy: Policy) -> Bool {
        matches(policy.principal, request.principal) && matches(policy.action)
            && matches(policy.resource, request.resource)
    }

    @inline(__always)
    func isIn(_ e: EntityUID, _ target: EntityUID) -> Bool {
        e == target || store.isAncestor(target, of: e)
    }

    func matches(_ c: ScopeConstraint, _ e: EntityUID) -> Bool {
        switch c {
        case .any: return true
        case .eq(.uid(let u)): return e == u
        case .in(.uid(let u)): return isIn(e, u)
        case .is(let t): return e.type == t
        case .isIn(let t, .uid(let u)): return e.type == t && isIn(e, u)
        case .eq(.slot), .in(.slot), .isIn(_, .slot): return false
        }
    }

    func matches(_ c: ActionConstraint) -> Bool {
        let a = request.action
        switch c {
        case .any: return true
        case .eq(let u): return a == u
        case .in(let u): return isIn(a, u)
        case .inSet(let us): return us.contains { isIn(a, $0) }
        }
    }

    func eval(_ e: Expr, _ depth: Int) throws(EvaluationError) -> Value {
        if depth > Evaluator.maxDepth { throw EvaluationError(.tooDeep, "the expression is nested too deeply to evaluate") }
        let d = depth + 1
        switch e {
        case .literal(let v):
            return v
        case .variable(let v):
            switch v {
            case .principal: return .entity(request.principal)
            case .action: return .entity(request.action)
            case .resource: return .entity(request.resource)
            case .context: return .record(request.context)
            }
        case .slot(let s):
            throw EvaluationError(.unlinkedSlot, "the template slot `\(s.rawValue)` is not linked")
        case .not(let x):
            let v = try eval(x, d)
            guard case .bool(let b) = v else { throw .type(expected: "bool", got: v) }
            return .bool(!b)
        case .negate(let x):
            let v = try eval(x, d)
            guard case .long(let i) = v else { throw .type(expected: "long", got: v) }
            guard i != .min else { throw EvaluationError(.overflow, "integer overflow: `-(\(i))`") }
            return .long(-i)
        case .and(let l, let r):
            let lv = try eval(l, d)
            guard case .bool(let lb) = lv else { throw .type(expected: "bool", got: lv) }
            if !lb { return .bool(false) }
            let rv = try eval(r, d)
            guard case .bool(let rb) = rv else { throw .type(expected: "bool", got: rv) }
            return .bool(rb)
        case .or(let l, let r):
            let lv = try eval(l, d)
            guard case .bool(let lb) = lv else { throw .type(expected: "bool", got: lv) }
            if lb { return .bool(true) }
            let rv = try eval(r, d)
            guard case .bool(let rb) = rv else { throw .type(expected: "bool", got: rv) }
            return .bool(rb)
        case .ifThenElse(let c, let t, let f):
            let cv = try eval(c, d)
            guard case .bool(let cb) = cv else { throw .type(expected: "bool", got: cv) }
            return try eval(cb ? t : f, d)
        case .binary(let op, let l, let r):
            return try binary(op, try eval(l, d), try eval(r, d))
        case .getAttr(.variable(let v), let attr):
            // Fast path: read request variables' attributes without materialising the variable.
            switch v {
            case .context:
                guard let a = request.context[ExactString(attr)] else {
                    throw EvaluationError(.attributeDoesNotExist, "record does not have the attribute `\(attr)`")
                }
                return a
            case .principal: return try cachedAttribute(principalAttributes, request.principal, attr)
            case .resource: return try cachedAttribute(resourceAttributes, request.resource, attr)
            case .action: return try entityAttribute(request.action, attr)
            }
        case .hasAttr(.variable(let v), let attr):
            switch v {
            case .context: return .bool(request.context[ExactString(attr)] != nil)
            case .principal: return .bool(principalAttributes?[ExactString(attr)] != nil)
            case .resource: return .bool(resourceAttributes?[ExactString(attr)] != nil)
            case .action: return .bool(hasEntityAttribute(request.action, attr))
            }
        case .getAttr(let x, let attr):
            let v = try eval(x, d)
            switch v {
            case .record(let rec):
                guard let a = rec[ExactString(attr)] else {
                    throw EvaluationError(.attributeDoesNotExist, "record does not have the attribute `\(attr)`")
                }
                return a
            case .entity(let uid):
                switch store.attribute(attr, of: uid) {
                case .value(let a): return a
                case .noSuchEntity: throw EvaluationError(.entityDoesNotExist, "entity `\(uid)` does not exist")
                case .noSuchName:
                    throw EvaluationError(.attributeDoesNotExist, "`\(uid)` does not have the attribute `\(attr)`")
                }
            default:
                throw .type(expected: "entity or record", got: v)
            }
        case .hasAttr(let x, let attr):
            let v = try eval(x, d)
            switch v {
            case .record(let rec): return .bool(rec[ExactString(attr)] != nil)
            case .entity(let uid):
                if case .value = store.attribute(attr, of: uid) { return .bool(true) }
                return .bool(false)
            default: throw .type(expected: "entity or record", got: v)
            }
        case .like(let x, let pattern):
            let v = try eval(x, d)
            guard case .string(let s) = v else { throw .type(expected: "string", got: v) }
            return .bool(pattern.matches(s))
        case .isType(let x, let t):
            let v = try eval(x, d)
            guard case .entity(let uid) = v else { throw .type(expected: "entity", got: v) }
            return .bool(uid.type == t)
        case .set(let items):
            var s = Set<Value>(minimumCapacity: items.count)
            for item in items { s.insert(try eval(item, d)) }
            return .set(s)
        case .record(let fields):
            var rec = [ExactString: Value](minimumCapacity: fields.count)
            for f in fields { rec[ExactString(f.key)] = try eval(f.value, d) }
            return .record(rec)
        case .isEmpty(let x):
            let v = try eval(x, d)
            guard case .set(let s) = v else { throw .type(expected: "set", got: v) }
            return .bool(s.isEmpty)
        case .call(let fn, let args) where args.count <= 2:
            let a0 = args.isEmpty ? Value.bool(false) : try eval(args[0], d)
            let a1 = args.count < 2 ? Value.bool(false) : try eval(args[1], d)
            return try Extensions.apply(fn, args.count, a0, a1)
        case .call(let fn, let args):
            var vals: [Value] = []
            vals.reserveCapacity(args.count)
            for a in args { vals.append(try eval(a, d)) }
            return try Extensions.call(fn, vals)
        }
    }

    @inline(__always)
    func entityAttribute(_ uid: EntityUID, _ attr: String) throws(EvaluationError) -> Value {
        switch store.attribute(attr, of: uid) {
        case .value(let a): return a
        case .noSuchEntity: throw EvaluationError(.entityDoesNotExist, "entity `\(uid)` does not exist")
        case .noSuchName: throw EvaluationError(.attributeDoesNotExist, "`\(uid)` does not have the attribute `\(attr)`")
        }
    }

    @inline(__always)
    func cachedAttribute(_ attrs: [ExactString: Value]?, _ uid: EntityUID, _ attr: String) throws(EvaluationError) -> Value {
        guard let attrs else { throw EvaluationError(.entityDoesNotExist, "entity `\(uid)` does not exist") }
        guard let a = attrs[ExactString(attr)] else {
            throw EvaluationError(.attributeDoesNotExist, "`\(uid)` does not have the attribute `\(attr)`")
        }
        return a
    }

    @inline(__always)
    func hasEntityAttribute(_ uid: EntityUID, _ attr: String) -> Bool {
        if case .value = store.attribute(attr, of: uid) { return true }
        return false
    }

    func binary(_ op: BinaryOp, _ l: Value, _ r: Value) throws(EvaluationError) -> Value {
        switch op {
        case .eq: return .bool(l == r)
        case .neq: return .bool(l != r)
        case .lt, .le, .gt, .ge:
            let c: Int
            switch (l, r) {
            case (.long(let a), .long(let b)): c = a < b ? -1 : (a == b ? 0 : 1)
            case (.ext(.datetime(let a)), .ext(.datetime(let b))): c = a < b ? -1 : (a == b ? 0 : 1)
            case (.ext(.duration(let a)), .ext(.duration(let b))): c = a < b ? -1 : (a == b ? 0 : 1)
            case (.long, _): throw .type(expected: "long", got: r)
            case (.ext(.datetime), _): throw .type(expected: "datetime", got: r)
            case (.ext(.duration), _): throw .type(expected: "duration", got: r)
            default: throw .type(expected: "long, datetime or duration", got: l)
            }
            switch op {
            case .lt: return .bool(c < 0)
            case .le: return .bool(c <= 0)
            case .gt: return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case .add, .sub, .mul:
            guard case .long(let a) = l else { throw .type(expected: "long", got: l) }
            guard case .long(let b) = r else { throw .type(expected: "long", got: r) }
            let (res, o): (Int64, Bool)
            switch op {
            case .add: (res, o) = a.addingReportingOverflow(b)
            case .sub: (res, o) = a.subtractingReportingOverflow(b)
            default: (res, o) = a.multipliedReportingOverflow(by: b)
            }
            if o { throw EvaluationError(.overflow, "integer overflow: `\(a) \(op.rawValue) \(b)`") }
            return .long(res)
        case .in:
            guard case .entity(let e) = l else { throw .type(expected: "entity", got: l) }
            switch r {
            case .entity(let t): return .bool(isIn(e, t))
            case .set(let s):
                var targets: [EntityUID] = []
                targets.reserveCapacity(s.count)
                for v in s {
                    guard case .entity(let t) = v else { throw .type(expected: "entity", got: v) }
                    targets.append(t)
                }
                return .bool(targets.contains { isIn(e, $0) })
            default: throw .type(expected: "entity or set", got: r)
            }
        case .contains:
            guard case .set(let s) = l else { throw .type(expected: "set", got: l) }
            return .bool(s.contains(r))
        case .containsAll:
            guard case .set(let a) = l else { throw .type(expected: "set", got: l) }
            guard case .set(let b) = r else { throw .type(expected: "set", got: r) }
            return .bool(b.isSubset(of: a))
        case .containsAny:
            guard case .set(let a) = l else { throw .type(expected: "set", got: l) }
            guard case .set(let b) = r else { throw .type(expected: "set", got: r) }
            return .bool(!a.isDisjoint(with: b))
        case .getTag:
            guard case .entity(let uid) = l else { throw .type(expected: "entity", got: l) }
            guard case .string(let tag) = r else { throw .type(expected: "string", got: r) }
            switch store.tag(tag, of: uid) {
            case .value(let v): return v
            case .noSuchEntity: throw EvaluationError(.entityDoesNotExist, "entity `\(uid)` does not exist")
            case .noSuchName: throw EvaluationError(.attributeDoesNotExist, "`\(uid)` does not have the tag `\(tag)`")
            }
        case .hasTag:
            guard case .entity(let uid) = l else { throw .type(expected: "entity", got: l) }
            guard case .string(let tag) = r else { throw .type(expected: "string", got: r) }
            if case .value = store.tag(tag, of: uid) { return .bool(true) }
            return .bool(false)
        }
    }

    /// Glob match over Unicode scalars; `*` matches any run (iterative, no backtracking blow-up).
    static func like(_ s: String, _ p: Pattern) -> Bool {
        let text = s.unicodeScalars
        let pat = p.elements
        var ti = text.startIndex
        var pi = 0
        var starP = -1
        var starT = ti
        while ti < text.endIndex {
            if pi < pat.count, case .char(let c) = pat[pi], c == text[ti] {
                ti = text.index(after: ti)
                pi += 1
            } else if pi < pat.count, case .wildcard = pat[pi] {
                starP = pi
                starT = ti
                pi += 1
            } else if starP >= 0 {
                pi = starP + 1
                starT = text.index(after: starT)
                ti = starT
            } else {
                return false
            }
        }
        while pi < pat.count, case .wildcard = pat[pi] { pi += 1 }
        return pi == pat.count
    }
}
