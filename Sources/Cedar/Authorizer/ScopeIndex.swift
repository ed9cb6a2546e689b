/// An index over policy scopes: for a request it yields exactly the policies whose scope uids match,
/// so policies that cannot apply are never evaluated.
///
/// Each of principal, action and resource keeps three parts: policies unconstrained on that part
/// (or constrained only by `is`), policies keyed by `==` uid, and policies keyed by `in` uid. The
/// candidates are the intersection of the three per-part unions, as bitsets over policy positions.
struct ScopeIndex: Sendable {
    /// A sparse bitset: (word index, bits) pairs in ascending word order.
    struct Sparse: Sendable {
        var words: [Int32] = []
        var bits: [UInt64] = []
        mutating func insert(_ i: Int) {
            let w = Int32(i >> 6)
            let b = UInt64(1) << UInt64(i & 63)
            if let last = words.last, last == w {
                bits[bits.count - 1] |= b
            } else {
                words.append(w)
                bits.append(b)
            }
        }
    }

    struct Part: Sendable {
        var unconstrained = Sparse()
        var eq: [EntityUID: Sparse] = [:]
        var `in`: [EntityUID: Sparse] = [:]
    }

    let count: Int
    let wordCount: Int
    var principal = Part()
    var action = Part()
    var resource = Part()
    /// Policies whose scope has an `is` test, which the index does not check.
    var typeChecked: [Bool]

    init(_ policies: [Policy]) {
        count = policies.count
        wordCount = (policies.count + 63) / 64
        typeChecked = Array(repeating: false, count: policies.count)
        for (i, p) in policies.enumerated() {
            ScopeIndex.add(i, p.principal, to: &principal, typeChecked: &typeChecked[i])
            ScopeIndex.add(i, p.resource, to: &resource, typeChecked: &typeChecked[i])
            switch p.action {
            case .any: action.unconstrained.insert(i)
            case .eq(let u): action.eq[u, default: Sparse()].insert(i)
            case .in(let u): action.in[u, default: Sparse()].insert(i)
            case .inSet(let us):
                for u in Set(us) { action.in[u, default: Sparse()].insert(i) }
            }
        }
    }

    private static func add(_ i: Int, _ c: ScopeConstraint, to part: inout Part, typeChecked: inout Bool) {
        switch c {
        case .any: part.unconstrained.insert(i)
        case .is:
            part.unconstrained.insert(i)
            typeChecked = true
        case .eq(.uid(let u)): part.eq[u, default: Sparse()].insert(i)
        case .in(.uid(let u)): part.in[u, default: Sparse()].insert(i)
        case .isIn(_, .uid(let u)):
            part.in[u, default: Sparse()].insert(i)
            typeChecked = true
        case .eq(.slot), .in(.slot), .isIn(_, .slot):
            break  // unlinked slots never match
        }
    }

    /// Calls `body` with the position of each candidate policy, in ascending order.
    func forEachCandidate<S: EntityStore>(_ request: Request, _ store: S, _ body: (Int) -> Void) {
        let n = wordCount
        if n == 0 { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * n) { buf in
            buf.initialize(repeating: 0)
            let p = UnsafeMutableBufferPointer(rebasing: buf[0..<n])
            let a = UnsafeMutableBufferPointer(rebasing: buf[n..<(2 * n)])
            let r = UnsafeMutableBufferPointer(rebasing: buf[(2 * n)..<(3 * n)])
            ScopeIndex.collect(principal, request.principal, store, into: p)
            ScopeIndex.collect(action, request.action, store, into: a)
            ScopeIndex.collect(resource, request.resource, store, into: r)
            for w in 0..<n {
                var bits = p[w] & a[w] & r[w]
                while bits != 0 {
                    let t = bits.trailingZeroBitCount
                    body(w << 6 | t)
                    bits &= bits - 1
                }
            }
        }
    }

    private static func or(_ s: Sparse, into out: UnsafeMutableBufferPointer<UInt64>) {
        s.words.withUnsafeBufferPointer { ws in
            s.bits.withUnsafeBufferPointer { bs in
                for k in 0..<ws.count { out[Int(ws[k])] |= bs[k] }
            }
        }
    }

    private static func collect<S: EntityStore>(
        _ part: Part, _ uid: EntityUID, _ store: S, into out: UnsafeMutableBufferPointer<UInt64>
    ) {
        or(part.unconstrained, into: out)
        if !part.eq.isEmpty, let s = part.eq[uid] { or(s, into: out) }
        if part.in.isEmpty { return }
        if let s = part.in[uid] { or(s, into: out) }
        for anc in store.ancestors(of: uid) {
            if let s = part.in[anc] { or(s, into: out) }
        }
    }
}
