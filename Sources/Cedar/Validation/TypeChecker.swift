/// Cedar's strict typechecker for one request environment, following Cedar's formal model
/// (cedar-spec `Validation/Typechecker.lean`): singleton `True`/`False` types short-circuit
/// `&&`, `||` and `if`, and `has` tests record capabilities that make later reads safe.
struct TypeChecker {
    let env: TypeEnvironment
    static let maxDepth = 200

    /// A `has` or `hasTag` fact: expression `expr` has attribute or tag `key`.
    enum Capability: Hashable {
        case attribute(Expr, String)
        case tag(Expr, Expr)
    }

    typealias Capabilities = Set<Capability>
    typealias Typed = (type: ValidatorType, capabilities: Capabilities)

    struct Failure: Error {
        var code: ValidationError.Code
        var message: String
    }

    /// Further errors found in operands checked after the first failure (Cedar reports them all).
    final class FailureSink {
        var failures: [Failure] = []
    }

    let sink = FailureSink()

    init(env: TypeEnvironment) {
        self.env = env
    }

    /// Types `x`; on failure also types `others` so that their errors are reported too.
    private func typeOf(_ x: Expr, _ c: Capabilities, depth: Int, alsoChecking others: [Expr]) throws(Failure) -> Typed {
        do {
            return try typeOf(x, c, depth: depth)
        } catch {
            for other in others {
                do { _ = try typeOf(other, c, depth: depth) } catch let more { sink.failures.append(more) }
            }
            throw error
        }
    }

    /// Types every expression, reporting all failures; throws the first.
    private func typesOf(_ xs: [Expr], _ c: Capabilities, depth: Int) throws(Failure) -> [ValidatorType] {
        var types: [ValidatorType] = []
        var first: Failure?
        for x in xs {
            do {
                types.append(try typeOf(x, c, depth: depth).type)
            } catch {
                if first == nil { first = error } else { sink.failures.append(error) }
            }
        }
        if let first { throw first }
        return types
    }

    func typeOf(_ x: Expr, _ c: Capabilities, depth: Int = 0) throws(Failure) -> Typed {
        guard depth < Self.maxDepth else { throw Failure(code: .recursionLimit, message: "the policy nests too deeply to validate") }
        let d = depth + 1
        switch x {
        case .literal(let value):
            return (try typeOfValue(value, depth: d), [])
        case .variable(let v):
            switch v {
            case .principal: return (.entity(env.principal), [])
            case .action: return (.entity(env.action.type), [])
            case .resource: return (.entity(env.resource), [])
            case .context: return (.record(env.context), [])
            }
        case .slot(let slot):
            let bound = slot == .principal ? env.principalSlot : env.resourceSlot
            return (.entity(bound ?? (slot == .principal ? env.principal : env.resource)), [])
        case .ifThenElse(let x1, let x2, let x3):
            let (t1, c1) = try typeOf(x1, c, depth: d, alsoChecking: [x2, x3])
            guard case .bool(let kind) = t1 else { throw unexpected(t1, expected: "Bool") }
            switch kind {
            case .tt:
                let (t2, c2) = try typeOf(x2, c.union(c1), depth: d)
                return (t2, c1.union(c2))
            case .ff:
                return try typeOf(x3, c, depth: d)
            case .anyBool:
                let (t2, c2) = try typeOf(x2, c.union(c1), depth: d)
                let (t3, c3) = try typeOf(x3, c, depth: d)
                guard let joined = ValidatorType.lub(t2, t3) else { throw incompatible([t2, t3]) }
                return (joined, c1.union(c2).intersection(c3))
            }
        case .and(let x1, let x2):
            let (t1, c1) = try typeOf(x1, c, depth: d, alsoChecking: [x2])
            guard case .bool(let k1) = t1 else { throw unexpected(t1, expected: "Bool") }
            if k1 == .ff { return (.bool(.ff), []) }
            let (t2, c2) = try typeOf(x2, c.union(c1), depth: d)
            guard case .bool(let k2) = t2 else { throw unexpected(t2, expected: "Bool") }
            switch k2 {
            case .ff: return (.bool(.ff), [])
            case .tt: return (.bool(k1), c1.union(c2))
            case .anyBool: return (.bool(.anyBool), c1.union(c2))
            }
        case .or(let x1, let x2):
            let (t1, c1) = try typeOf(x1, c, depth: d, alsoChecking: [x2])
            guard case .bool(let k1) = t1 else { throw unexpected(t1, expected: "Bool") }
            if k1 == .tt { return (.bool(.tt), []) }
            let (t2, c2) = try typeOf(x2, c, depth: d)
            guard case .bool(let k2) = t2 else { throw unexpected(t2, expected: "Bool") }
            if k1 == .ff { return (t2, c2) }
            switch k2 {
            case .tt: return (.bool(.tt), [])
            case .ff: return (.bool(.anyBool), c1)
            case .anyBool: return (.bool(.anyBool), c1.intersection(c2))
            }
        case .not(let x1):
            let (t1, _) = try typeOf(x1, c, depth: d)
            guard case .bool(let kind) = t1 else { throw unexpected(t1, expected: "Bool") }
            return (.bool(kind.negated), [])
        case .negate(let x1):
            let (t1, _) = try typeOf(x1, c, depth: d)
            guard t1 == .long else { throw unexpected(t1, expected: "Long") }
            return (.long, [])
        case .isEmpty(let x1):
            let (t1, _) = try typeOf(x1, c, depth: d)
            guard case .set = t1 else { throw unexpected(t1, expected: "Set") }
            return (.bool(.anyBool), [])
        case .like(let x1, _):
            let (t1, _) = try typeOf(x1, c, depth: d)
            guard t1 == .string else { throw unexpected(t1, expected: "String") }
            return (.bool(.anyBool), [])
        case .isType(let x1, let name):
            let (t1, _) = try typeOf(x1, c, depth: d)
            guard case .entity(let type) = t1 else { throw unexpected(t1, expected: "an entity type") }
            return (.bool(type == name.qualified ? .tt : .ff), [])
        case .binary(let op, let x1, let x2):
            let types = try typesOf([x1, x2], c, depth: d)
            guard let t1 = types.first, let t2 = types.last, types.count == 2 else {
                throw Failure(code: .unexpectedType, message: "an operator is missing an operand")
            }
            return try typeOfBinary(op, t1, t2, x1, x2, c)
        case .hasAttr(let x1, let attribute):
            let (t1, _) = try typeOf(x1, c, depth: d)
            switch t1 {
            case .record(let attributes):
                return hasAttribute(attributes, x1, attribute, c, knownToExist: true)
            case .entity(let type):
                if let declared = env.schema.entityTypes[type] {
                    return hasAttribute(ValidatorType.record(declared.attributes), x1, attribute, c, knownToExist: false)
                }
                if env.isActionType(type) { return (.bool(.ff), []) }
                throw unknownEntityType(type)
            default:
                throw unexpected(t1, expected: "an entity or record")
            }
        case .getAttr(let x1, let attribute):
            let (t1, _) = try typeOf(x1, c, depth: d)
            switch t1 {
            case .record(let attributes):
                return (try getAttribute(t1, attributes, x1, attribute, c, entityType: nil), [])
            case .entity(let type):
                guard let declared = env.schema.entityTypes[type] else {
                    if env.isActionType(type) {
                        throw Failure(code: .attributeNotFound, message: "attribute `\(attribute)` on entity type `\(type)` not found")
                    }
                    throw unknownEntityType(type)
                }
                return (try getAttribute(t1, ValidatorType.record(declared.attributes), x1, attribute, c, entityType: type), [])
            default:
                throw unexpected(t1, expected: "an entity or record")
            }
        case .set(let elements):
            if elements.isEmpty { return (try typeOfSet([]), []) }
            return (try typeOfSet(try typesOf(elements, c, depth: d)), [])
        case .record(let fields):
            let types = try typesOf(fields.map(\.value), c, depth: d)
            var attributes: [String: ValidatorType.QualifiedType] = [:]
            for (field, type) in zip(fields, types) {
                attributes[field.key] = .init(type: type, isRequired: true)
            }
            return (.record(attributes), [])
        case .call(let function, let arguments):
            let types = try typesOf(arguments, c, depth: d)
            return (try typeOfCall(function, types, arguments), [])
        }
    }

    // MARK: Values and literals

    private func typeOfValue(_ value: Value, depth: Int) throws(Failure) -> ValidatorType {
        guard depth < Self.maxDepth else { throw Failure(code: .recursionLimit, message: "the policy nests too deeply to validate") }
        switch value {
        case .bool(let b): return .bool(b ? .tt : .ff)
        case .long: return .long
        case .string: return .string
        case .entity(let uid):
            guard env.isKnownEntity(uid) else { throw unknownEntity(uid) }
            return .entity(uid.type.qualified)
        case .set(let items):
            var types: [ValidatorType] = []
            for item in items.sorted(by: { "\($0)" < "\($1)" }) { types.append(try typeOfValue(item, depth: depth + 1)) }
            return try typeOfSet(types)
        case .record(let fields):
            var attributes: [String: ValidatorType.QualifiedType] = [:]
            for (key, field) in fields { attributes[key.string] = .init(type: try typeOfValue(field, depth: depth + 1), isRequired: true) }
            return .record(attributes)
        case .ext(let ext):
            return .ext(ext.typeName)
        }
    }

    private func typeOfSet(_ types: [ValidatorType]) throws(Failure) -> ValidatorType {
        guard var joined = types.first else {
            throw Failure(code: .emptySetForbidden, message: "empty set literals are forbidden in policies")
        }
        for type in types.dropFirst() {
            guard let next = ValidatorType.lub(joined, type) else { throw incompatible(types) }
            joined = next
        }
        return .set(joined)
    }

    // MARK: Operators

    private func typeOfBinary(
        _ op: BinaryOp, _ t1: ValidatorType, _ t2: ValidatorType, _ x1: Expr, _ x2: Expr,
        _ c: Capabilities
    ) throws(Failure) -> Typed {
        switch op {
        case .eq, .neq:
            let result = try typeOfEquality(t1, t2, x1, x2)
            return (op == .eq ? result : result.negatedBool, [])
        case .in:
            guard case .entity(let e1) = t1 else { throw unexpected(t1, expected: "an entity type") }
            switch t2 {
            case .entity(let e2):
                if let a1 = actionUID(x1), let u2 = entityUID(x2) {
                    return (.bool(env.schema.action(a1, isIn: Schema.ActionID(u2)) ? .tt : .ff), [])
                }
                return (.bool(env.descendentOf(e1, e2) ? .anyBool : .ff), [])
            case .set(.entity(let e2)):
                if let a1 = actionUID(x1), let uids = entityUIDs(x2) {
                    return (.bool(uids.contains { env.schema.action(a1, isIn: Schema.ActionID($0)) } ? .tt : .ff), [])
                }
                return (.bool(env.descendentOf(e1, e2) ? .anyBool : .ff), [])
            default:
                throw unexpected(t2, expected: "an entity type or a set of entities")
            }
        case .hasTag:
            guard case .entity(let type) = t1 else { throw unexpected(t1, expected: "an entity type") }
            guard t2 == .string else { throw unexpected(t2, expected: "String") }
            guard let declared = env.schema.entityTypes[type] else {
                if env.isActionType(type) { return (.bool(.ff), []) }
                throw unknownEntityType(type)
            }
            guard declared.tags != nil else { return (.bool(.ff), []) }
            if c.contains(.tag(x1, x2)) { return (.bool(.tt), []) }
            return (.bool(.anyBool), [.tag(x1, x2)])
        case .getTag:
            guard case .entity(let type) = t1 else { throw unexpected(t1, expected: "an entity type") }
            guard t2 == .string else { throw unexpected(t2, expected: "String") }
            guard let declared = env.schema.entityTypes[type] else {
                if env.isActionType(type) {
                    throw Failure(
                        code: .unsafeTagAccess,
                        message: "unable to guarantee safety of access to tag `\(Self.render(x2))` on entity type `\(type)`")
                }
                throw unknownEntityType(type)
            }
            guard let tagType = declared.tags, c.contains(.tag(x1, x2)) else {
                throw Failure(
                    code: .unsafeTagAccess,
                    message: "unable to guarantee safety of access to tag `\(Self.render(x2))` on entity type `\(type)`")
            }
            return (ValidatorType(tagType), [])
        case .lt, .le, .gt, .ge:
            switch (t1, t2) {
            case (.long, .long), (.ext("datetime"), .ext("datetime")), (.ext("duration"), .ext("duration")):
                return (.bool(.anyBool), [])
            case (.long, _), (.ext("datetime"), _), (.ext("duration"), _):
                throw unexpected(t2, expected: "\(t1)")
            default:
                throw unexpected(t1, expected: "Long, datetime or duration")
            }
        case .add, .sub, .mul:
            guard t1 == .long else { throw unexpected(t1, expected: "Long") }
            guard t2 == .long else { throw unexpected(t2, expected: "Long") }
            return (.long, [])
        case .contains:
            guard case .set(let element) = t1 else { throw unexpected(t1, expected: "Set") }
            guard ValidatorType.lub(t2, element) != nil else { throw incompatible([t2, element]) }
            return (.bool(.anyBool), [])
        case .containsAll, .containsAny:
            guard case .set(let e1) = t1 else { throw unexpected(t1, expected: "Set") }
            guard case .set(let e2) = t2 else { throw unexpected(t2, expected: "Set") }
            guard ValidatorType.lub(e1, e2) != nil else { throw incompatible([e1, e2]) }
            return (.bool(.anyBool), [])
        }
    }

    private func typeOfEquality(_ t1: ValidatorType, _ t2: ValidatorType, _ x1: Expr, _ x2: Expr) throws(Failure) -> ValidatorType {
        if let l1 = primitiveLiteral(x1), let l2 = primitiveLiteral(x2) {
            return .bool(l1 == l2 ? .tt : .ff)
        }
        if ValidatorType.lub(t1, t2) != nil { return .bool(.anyBool) }
        if case .entity = t1, case .entity = t2 { return .bool(.ff) }
        throw incompatible([t1, t2])
    }

    private func hasAttribute(
        _ attributes: [String: ValidatorType.QualifiedType], _ x: Expr, _ attribute: String,
        _ c: Capabilities, knownToExist: Bool
    ) -> Typed {
        guard let qualified = attributes[attribute] else { return (.bool(.ff), []) }
        if c.contains(.attribute(x, attribute)) || (qualified.isRequired && knownToExist) {
            return (.bool(.tt), [])
        }
        return (.bool(.anyBool), [.attribute(x, attribute)])
    }

    private func getAttribute(
        _ type: ValidatorType, _ attributes: [String: ValidatorType.QualifiedType], _ x: Expr,
        _ attribute: String, _ c: Capabilities, entityType: String?
    ) throws(Failure) -> ValidatorType {
        let owner = entityType.map { "entity type `\($0)`" } ?? "record type `\(type)`"
        guard let qualified = attributes[attribute] else {
            throw Failure(code: .attributeNotFound, message: "attribute `\(attribute)` on \(owner) not found")
        }
        guard qualified.isRequired || c.contains(.attribute(x, attribute)) else {
            throw Failure(
                code: .unsafeOptionalAttributeAccess,
                message: "unable to guarantee safety of access to optional attribute `\(attribute)` on \(owner)")
        }
        return qualified.type
    }

    // MARK: Extension functions

    private static let constructorTypes = ["ip": "ipaddr", "decimal": "decimal", "datetime": "datetime", "duration": "duration"]

    private static let signatures: [String: (arguments: [ValidatorType], result: ValidatorType)] = [
        "lessThan": ([.ext("decimal"), .ext("decimal")], .bool(.anyBool)),
        "lessThanOrEqual": ([.ext("decimal"), .ext("decimal")], .bool(.anyBool)),
        "greaterThan": ([.ext("decimal"), .ext("decimal")], .bool(.anyBool)),
        "greaterThanOrEqual": ([.ext("decimal"), .ext("decimal")], .bool(.anyBool)),
        "isIpv4": ([.ext("ipaddr")], .bool(.anyBool)),
        "isIpv6": ([.ext("ipaddr")], .bool(.anyBool)),
        "isLoopback": ([.ext("ipaddr")], .bool(.anyBool)),
        "isMulticast": ([.ext("ipaddr")], .bool(.anyBool)),
        "isInRange": ([.ext("ipaddr"), .ext("ipaddr")], .bool(.anyBool)),
        "offset": ([.ext("datetime"), .ext("duration")], .ext("datetime")),
        "durationSince": ([.ext("datetime"), .ext("datetime")], .ext("duration")),
        "toDate": ([.ext("datetime")], .ext("datetime")),
        "toTime": ([.ext("datetime")], .ext("duration")),
        "toMilliseconds": ([.ext("duration")], .long),
        "toSeconds": ([.ext("duration")], .long),
        "toMinutes": ([.ext("duration")], .long),
        "toHours": ([.ext("duration")], .long),
        "toDays": ([.ext("duration")], .long),
    ]

    private func typeOfCall(_ function: String, _ types: [ValidatorType], _ arguments: [Expr]) throws(Failure) -> ValidatorType {
        if let result = Self.constructorTypes[function] {
            guard arguments.count == 1, let argument = arguments.first else {
                throw Failure(
                    code: .extensionError,
                    message: "wrong number of arguments in extension function application. Expected 1, got \(arguments.count)")
            }
            guard case .literal(.string(let text)) = argument else {
                throw Failure(code: .extensionError, message: "extension constructors may not be called with non-literal expressions")
            }
            guard Extensions.construct(function, text) != nil else {
                throw Failure(
                    code: .extensionError,
                    message:
                        "error during extension function argument validation: `\(function)(\"\(CedarString.escape(text))\")` is not a valid \(result) value"
                )
            }
            return .ext(result)
        }
        guard let signature = Self.signatures[function] else {
            throw Failure(code: .extensionError, message: "`\(function)` is not a known extension function")
        }
        guard types.count == signature.arguments.count else {
            throw Failure(
                code: .extensionError,
                message:
                    "wrong number of arguments in extension function application. Expected \(signature.arguments.count), got \(types.count)"
            )
        }
        for (actual, expected) in zip(types, signature.arguments) where actual != expected {
            throw unexpected(actual, expected: "\(expected)")
        }
        return signature.result
    }

    // MARK: Helpers

    /// A literal of a primitive (bool, long, string, entity uid), with `action` standing for the environment's action.
    private func primitiveLiteral(_ x: Expr) -> Value? {
        switch x {
        case .literal(let v):
            switch v {
            case .bool, .long, .string, .entity: return v
            default: return nil
            }
        case .variable(.action):
            return .entity(env.action.entityUID)
        default:
            return nil
        }
    }

    private func entityUID(_ x: Expr) -> EntityUID? {
        if case .entity(let uid)? = primitiveLiteral(x) { return uid }
        return nil
    }

    private func entityUIDs(_ x: Expr) -> [EntityUID]? {
        switch x {
        case .set(let elements):
            var uids: [EntityUID] = []
            for element in elements {
                guard let uid = entityUID(element) else { return nil }
                uids.append(uid)
            }
            return uids
        case .literal(.set(let values)):
            var uids: [EntityUID] = []
            for value in values {
                guard case .entity(let uid) = value else { return nil }
                uids.append(uid)
            }
            return uids
        default:
            return nil
        }
    }

    private func actionUID(_ x: Expr) -> Schema.ActionID? {
        guard let uid = entityUID(x) else { return nil }
        let id = Schema.ActionID(uid)
        return env.schema.actions[id] != nil ? id : nil
    }

    private func unexpected(_ type: ValidatorType, expected: String) -> Failure {
        Failure(code: .unexpectedType, message: "unexpected type: expected \(expected) but saw \(type)")
    }

    private func incompatible(_ types: [ValidatorType]) -> Failure {
        let names = types.map(\.description)
        let list =
            names.count <= 2
            ? names.joined(separator: " and ")
            : names.dropLast().joined(separator: ", ") + ", and " + (names.last ?? "")
        return Failure(code: .incompatibleTypes, message: "the types \(list) are not compatible")
    }

    private func unknownEntityType(_ type: String) -> Failure {
        Failure(code: .unrecognizedEntityType, message: "unrecognized entity type `\(type)`")
    }

    private func unknownEntity(_ uid: EntityUID) -> Failure {
        if env.schema.entityTypes[uid.type.qualified] != nil {
            return Failure(code: .invalidEnumEntity, message: "`\(uid)` is not one of the ids enumerated for `\(uid.type)`")
        }
        if uid.type.isActionType {
            return Failure(code: .unrecognizedActionID, message: "unrecognized action `\(uid)`")
        }
        return unknownEntityType(uid.type.qualified)
    }

    static func render(_ x: Expr) -> String {
        if case .literal(.string(let s)) = x { return "\"\(CedarString.escape(s))\"" }
        return "\(x)"
    }
}

extension ValidatorType {
    fileprivate var negatedBool: ValidatorType {
        if case .bool(let kind) = self { return .bool(kind.negated) }
        return self
    }
}
