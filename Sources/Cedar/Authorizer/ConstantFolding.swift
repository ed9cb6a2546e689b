/// Pre-evaluates the parts of an expression that cannot error and do not depend on the request:
/// extension constructors on valid literal strings (`ip("10.0.0.0/8")`), and set and record
/// literals made of literals. Anything that could raise an error is left for evaluation time, so
/// error behaviour is unchanged.
enum ConstantFolding {
    static func fold(_ e: Expr) -> Expr {
        switch e {
        case .literal, .variable, .slot: return e
        case .not(let x): return .not(fold(x))
        case .negate(let x): return .negate(fold(x))
        case .binary(let op, let l, let r): return .binary(op, fold(l), fold(r))
        case .and(let l, let r): return .and(fold(l), fold(r))
        case .or(let l, let r): return .or(fold(l), fold(r))
        case .ifThenElse(let c, let t, let f): return .ifThenElse(fold(c), fold(t), fold(f))
        case .getAttr(let x, let a): return .getAttr(fold(x), a)
        case .hasAttr(let x, let a): return .hasAttr(fold(x), a)
        case .like(let x, let p): return .like(fold(x), p)
        case .isType(let x, let t): return .isType(fold(x), t)
        case .isEmpty(let x): return .isEmpty(fold(x))
        case .set(let items):
            let folded = items.map(fold)
            var values: [Value] = []
            for f in folded {
                guard case .literal(let v) = f else { return .set(folded) }
                values.append(v)
            }
            return .literal(.set(Set(values)))
        case .record(let fields):
            let folded = fields.map { RecordField(key: $0.key, value: fold($0.value)) }
            var rec: [ExactString: Value] = [:]
            for f in folded {
                guard case .literal(let v) = f.value else { return .record(folded) }
                rec[ExactString(f.key)] = v
            }
            return .literal(.record(rec))
        case .call(let fn, let args):
            let folded = args.map(fold)
            if Extensions.constructors.contains(fn), folded.count == 1, case .literal(.string(let s)) = folded[0],
                let v = Extensions.construct(fn, s)
            {
                return .literal(.ext(v))
            }
            return .call(fn, folded)
        }
    }
}
