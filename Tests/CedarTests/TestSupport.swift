@testable import Cedar

/// Evaluates `text` as an expression for a fixed request over a small store.
func evaluate(_ text: String, context: [ExactString: Value] = [:], entities: [Entity] = TestData.entities) throws -> Value {
    let expr = try PolicyParser.parseExpression(text)
    let req = Request(
        principal: EntityUID("User", "alice"), action: EntityUID("Action", "view"),
        resource: EntityUID("Photo", "p1"), context: context)
    let ev = Evaluator(request: req, store: Entities(entities))
    return try ev.eval(expr, 0)
}

/// The evaluation error code for `text`, or nil when it evaluates.
func evaluationError(_ text: String, context: [ExactString: Value] = [:]) throws -> EvaluationError.Code? {
    do {
        _ = try evaluate(text, context: context)
        return nil
    } catch let e as EvaluationError {
        return e.code
    }
}

enum TestData {
    static let alice = EntityUID("User", "alice")
    static let admins = EntityUID("Group", "admins")
    static let staff = EntityUID("Group", "staff")
    static let entities: [Entity] = [
        Entity(
            uid: alice, attributes: ["age": .long(30), "name": .string("Alice"), "mgr": .entity(EntityUID("User", "bob"))],
            parents: [admins], tags: ["team": .string("red")]),
        Entity(uid: admins, parents: [staff]),
        Entity(uid: staff),
        Entity(uid: EntityUID("Photo", "p1"), attributes: ["owner": .entity(alice)]),
    ]
}
