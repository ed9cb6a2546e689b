// Fuzzes the policy parser, and evaluates whatever parses against a small store, so evaluation of
// arbitrary expressions is exercised too. Nothing may trap.
import Cedar
import FuzzSupport

private let store = Entities([
    Entity(uid: EntityUID("User", "a"), attributes: ["n": .long(1), "s": .string("x")], parents: [EntityUID("Group", "g")],
           tags: ["t": .bool(true)]),
    Entity(uid: EntityUID("Group", "g")),
])
private let request = Request(
    principal: EntityUID("User", "a"), action: EntityUID("Action", "view"), resource: EntityUID("Group", "g"),
    context: ["x": .long(5), "r": .record(["k": .string("v")])])


public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let set = try? PolicySet(text: text) {
        _ = set.authorize(request, entities: store)
        _ = Authorizer.isAuthorizedWithoutIndex(request, policies: set, entities: store)
        for p in set.policies { _ = p.contextPaths }
    }
    _ = try? PolicyParser.parseExpression(text)
    _ = try? PolicyParser.parseEntityUID(text)
    return 0
}

@_cdecl("FuzzPolicyParser_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
