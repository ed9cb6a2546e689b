/// Cedar's strict-mode policy validator.
///
/// A policy passes when every entity type and action it names is declared, its scope matches at
/// least one action's principal and resource types, and its condition typechecks to a boolean in
/// every request environment the schema allows (see ``TypeChecker``). A policy that is false in
/// every environment is reported as an ``ValidationWarning/Code/impossiblePolicy`` warning, as Cedar does.
public struct Validator: Sendable {
    public let schema: Schema

    public init(schema: Schema) {
        self.schema = schema
    }

    /// Validates every policy (or template) and collects all errors and warnings.
    public func validate(_ policies: [Policy]) -> ValidationResult {
        var result = ValidationResult(errors: [], warnings: [])
        for policy in policies {
            let one = validate(policy)
            result.errors += one.errors
            result.warnings += one.warnings
        }
        return result
    }

    /// Validates one policy or template.
    public func validate(_ policy: Policy) -> ValidationResult {
        var messages: [(ValidationError.Code, String)] = []
        var seen: Set<String> = []
        func add(_ code: ValidationError.Code, _ message: String) {
            if seen.insert(message).inserted { messages.append((code, message)) }
        }
        let condition = Self.condition(of: policy)

        for (code, message) in checkEntities(condition) { add(code, message) }
        if !scopeMatchesSomeAction(policy) {
            add(.invalidActionApplication, "unable to find an applicable action given the policy scope constraints")
        }

        var allFalse = true
        for env in environments(for: policy) {
            let checker = TypeChecker(env: env)
            defer { for failure in checker.sink.failures { add(failure.code, failure.message) } }
            do {
                let (type, _) = try checker.typeOf(condition, [])
                guard case .bool(let kind) = type else {
                    add(.unexpectedType, "unexpected type: expected Bool but saw \(type)")
                    allFalse = false
                    continue
                }
                if kind != .ff { allFalse = false }
            } catch {
                add(error.code, error.message)
                allFalse = false
            }
        }

        var result = ValidationResult(errors: [], warnings: [])
        result.errors = messages.map { ValidationError($0.0, policyID: policy.id, message: $0.1, location: policy.location) }
        if allFalse && result.errors.isEmpty {
            result.warnings.append(
                ValidationWarning(
                    code: .impossiblePolicy, policyID: policy.id,
                    message: "policy is impossible: the policy expression evaluates to false for all valid requests",
                    location: policy.location))
        }
        return result
    }

    // MARK: The policy as one expression

    /// `principal-scope && (action-scope && (resource-scope && conditions))`, as Cedar checks it.
    static func condition(of policy: Policy) -> Expr {
        var body: Expr = .literal(.bool(true))
        for condition in policy.conditions.reversed() {
            let test = condition.kind == .when ? condition.body : .not(condition.body)
            body = .and(test, body)
        }
        let principal = scopeExpr(policy.principal, .principal)
        let resource = scopeExpr(policy.resource, .resource)
        let action: Expr
        switch policy.action {
        case .any: action = .literal(.bool(true))
        case .eq(let uid): action = .binary(.eq, .variable(.action), .literal(.entity(uid)))
        case .in(let uid): action = .binary(.in, .variable(.action), .literal(.entity(uid)))
        case .inSet(let uids): action = .binary(.in, .variable(.action), .set(uids.map { .literal(.entity($0)) }))
        }
        return .and(principal, .and(action, .and(resource, body)))
    }

    private static func scopeExpr(_ constraint: ScopeConstraint, _ variable: Var) -> Expr {
        func reference(_ ref: EntityReference) -> Expr {
            switch ref {
            case .uid(let uid): return .literal(.entity(uid))
            case .slot(let slot): return .slot(slot)
            }
        }
        switch constraint {
        case .any: return .literal(.bool(true))
        case .eq(let ref): return .binary(.eq, .variable(variable), reference(ref))
        case .in(let ref): return .binary(.in, .variable(variable), reference(ref))
        case .is(let name): return .isType(.variable(variable), name)
        case .isIn(let name, let ref): return .and(.isType(.variable(variable), name), .binary(.in, .variable(variable), reference(ref)))
        }
    }

    // MARK: Environments

    private func environments(for policy: Policy) -> [TypeEnvironment] {
        var result: [TypeEnvironment] = []
        for id in schema.actionOrder {
            guard let action = schema.actions[id] else { continue }
            let context = ValidatorType.record(action.context)
            for principal in action.principalTypes {
                for resource in action.resourceTypes {
                    for principalSlot in slotTypes(policy.principal, principal) {
                        for resourceSlot in slotTypes(policy.resource, resource) {
                            var env = TypeEnvironment(
                                schema: schema, principal: principal, action: id, resource: resource, context: context)
                            env.principalSlot = principalSlot
                            env.resourceSlot = resourceSlot
                            result.append(env)
                        }
                    }
                }
            }
        }
        return result
    }

    /// The entity types a template slot may stand for in an environment (`[nil]` when there is no slot).
    private func slotTypes(_ constraint: ScopeConstraint, _ type: String) -> [String?] {
        switch constraint {
        case .eq(.slot): return [type]
        case .in(.slot), .isIn(_, .slot): return [type] + (schema.entityTypeAncestors[type] ?? []).sorted()
        default: return [nil]
        }
    }

    // MARK: Scope against the actions' appliesTo

    private func scopeMatchesSomeAction(_ policy: Policy) -> Bool {
        let principals = typesSatisfying(policy.principal)
        let resources = typesSatisfying(policy.resource)
        return actionsSatisfying(policy.action).contains { action in
            !principals.isDisjoint(with: action.principalTypes) && !resources.isDisjoint(with: action.resourceTypes)
        }
    }

    private func actionsSatisfying(_ constraint: ActionConstraint) -> [Schema.Action] {
        switch constraint {
        case .any:
            return schema.actionOrder.compactMap { schema.actions[$0] }
        case .eq(let uid):
            return schema.action(uid).map { [$0] } ?? []
        case .in(let uid):
            return actionsIn([uid])
        case .inSet(let uids):
            return actionsIn(uids)
        }
    }

    private func actionsIn(_ uids: [EntityUID]) -> [Schema.Action] {
        let groups = uids.map(Schema.ActionID.init)
        guard groups.allSatisfy({ schema.actions[$0] != nil }) else { return [] }
        return schema.actionOrder.compactMap { id in
            groups.contains { schema.action(id, isIn: $0) } ? schema.actions[id] : nil
        }
    }

    private func typesSatisfying(_ constraint: ScopeConstraint) -> Set<String> {
        switch constraint {
        case .any, .eq(.slot), .in(.slot):
            return Set(schema.entityTypes.keys)
        case .eq(.uid(let uid)):
            return [uid.type.qualified]
        case .in(.uid(let uid)):
            return typesIn(uid.type.qualified)
        case .is(let name), .isIn(let name, .slot):
            return schema.entityTypes[name.qualified] != nil ? [name.qualified] : []
        case .isIn(let name, .uid(let uid)):
            return typesIn(uid.type.qualified).filter { $0 == name.qualified }
        }
    }

    /// The declared entity types whose entities may be in an entity of type `type` (itself included).
    private func typesIn(_ type: String) -> Set<String> {
        guard schema.entityTypes[type] != nil else { return [] }
        var result: Set<String> = [type]
        for (descendant, ancestors) in schema.entityTypeAncestors where ancestors.contains(type) {
            result.insert(descendant)
        }
        return result
    }

    // MARK: Declared names

    /// Every entity literal and `is` type in the policy must be declared (checked in all branches).
    private func checkEntities(_ x: Expr) -> [(ValidationError.Code, String)] {
        var found: [(ValidationError.Code, String)] = []
        var stack: [Expr] = [x]
        var steps = 0
        while let next = stack.popLast() {
            steps += 1
            guard steps < 1_000_000 else { break }
            switch next {
            case .literal(let value):
                collectEntities(value, into: &found, depth: 0)
            case .variable, .slot:
                break
            case .not(let a), .negate(let a), .isEmpty(let a), .like(let a, _), .hasAttr(let a, _), .getAttr(let a, _):
                stack.append(a)
            case .isType(let a, let name):
                if schema.entityTypes[name.qualified] == nil {
                    found.append((.unrecognizedEntityType, "unrecognized entity type `\(name)`"))
                }
                stack.append(a)
            case .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
                stack.append(b)
                stack.append(a)
            case .ifThenElse(let a, let b, let c):
                stack.append(c)
                stack.append(b)
                stack.append(a)
            case .set(let items), .call(_, let items):
                stack.append(contentsOf: items.reversed())
            case .record(let fields):
                stack.append(contentsOf: fields.map(\.value).reversed())
            }
        }
        return found
    }

    private func collectEntities(_ value: Value, into found: inout [(ValidationError.Code, String)], depth: Int) {
        guard depth < 200 else { return }
        switch value {
        case .entity(let uid):
            let type = uid.type.qualified
            if schema.entityTypes[type] != nil {
                if !schema.isValidEnumMember(uid) {
                    found.append((.invalidEnumEntity, "`\(uid)` is not one of the ids enumerated for `\(type)`"))
                }
            } else if schema.actions[Schema.ActionID(uid)] == nil {
                if uid.type.isActionType {
                    found.append((.unrecognizedActionID, "unrecognized action `\(uid)`"))
                } else {
                    found.append((.unrecognizedEntityType, "unrecognized entity type `\(type)`"))
                }
            }
        case .set(let items):
            for item in items { collectEntities(item, into: &found, depth: depth + 1) }
        case .record(let fields):
            for field in fields.values { collectEntities(field, into: &found, depth: depth + 1) }
        default:
            break
        }
    }
}
