import Testing

@testable import Cedar

@Suite("Evaluator")
struct EvaluatorTests {
    @Test(arguments: [
        ("1 + 2 * 3 == 7", true),
        ("if 1 < 2 then (\"a\" == \"b\") == false && true else false", true),
        ("[1, 2, 2] == [2, 1]", true),
        ("{a: 1, b: [true]} == {b: [true], a: 1}", true),
        ("1 == \"1\"", false),
        ("[1, 2].containsAll([2]) && [1].containsAny([3, 1]) && ![].containsAny([1])", true),
        ("[].isEmpty() && ![1].isEmpty()", true),
        ("principal in Group::\"staff\"", true),
        ("principal in [Group::\"nope\", Group::\"admins\"]", true),
        ("User::\"ghost\" in Group::\"staff\"", false),
        ("User::\"ghost\" in User::\"ghost\"", true),
        ("principal is User && !(principal is Group)", true),
        ("principal is User in Group::\"admins\"", true),
        ("principal has age && !(principal has nope) && !(User::\"ghost\" has age)", true),
        ("principal.mgr == User::\"bob\" && resource.owner.name == \"Alice\"", true),
        ("principal.hasTag(\"team\") && principal.getTag(\"team\") == \"red\" && !User::\"ghost\".hasTag(\"x\")", true),
        ("\"a*b\" like \"a\\*b\" && !(\"axb\" like \"a\\*b\") && \"axxb\" like \"a*b\" && \"\" like \"*\"", true),
        ("\"héllo\" like \"h?llo\"", false),
        ("\"héllo\" like \"h*llo\"", true),
        ("false && (1 + \"a\")", false),
        ("true || (1 + \"a\")", true),
        ("if false then 1 + \"a\" else true", true),
        ("context.x.y == 1", true),
    ])
    func evaluatesToBool(_ text: String, _ expected: Bool) throws {
        #expect(try evaluate(text, context: ["x": .record(["y": .long(1)])]) == .bool(expected))
    }

    @Test(arguments: [
        ("9223372036854775807 + 1", EvaluationError.Code.overflow),
        ("-9223372036854775807 - 2", .overflow),
        ("4611686018427387904 * 2", .overflow),
        ("1 + true", .typeError),
        ("true && 1", .typeError),
        ("if 1 then true else false", .typeError),
        ("principal.nope", .attributeDoesNotExist),
        ("User::\"ghost\".age", .entityDoesNotExist),
        ("principal.getTag(\"nope\")", .attributeDoesNotExist),
        ("User::\"ghost\".getTag(\"x\")", .entityDoesNotExist),
        ("principal in [1]", .typeError),
        ("1 in Group::\"a\"", .typeError),
        ("\"a\" < \"b\"", .typeError),
        ("decimal(\"1.0\") < decimal(\"2.0\")", .typeError),
        ("ip(\"1.2.3.4\", \"x\")", .unknownFunction),
        ("ip(\"nope\")", .extensionError),
        ("context.missing", .attributeDoesNotExist),
        ("[1].contains(1) && 1.isEmpty()", .typeError),
    ])
    func raisesError(_ text: String, _ code: EvaluationError.Code) throws {
        #expect(try evaluationError(text) == code)
    }
}

@Suite("like")
struct LikeTests {
    /// The byte-level matcher must agree with a straightforward scalar-level glob.
    @Test func byteMatcherAgreesWithScalarMatcher() {
        let alphabet: [Unicode.Scalar] = ["a", "b", "é", "😀", "*"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...6, using: &rng) { text.append(alphabet[Int.random(in: 0..<4, using: &rng)]) }
            var els: [Pattern.Element] = []
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                let c = alphabet[Int.random(in: 0..<5, using: &rng)]
                els.append(c == "*" ? .wildcard : .char(c))
            }
            let p = Pattern(els)
            let s = String(text)
            #expect(p.matches(s) == Evaluator<Entities>.like(s, p), "\(s) vs \(els)")
        }
    }
}
