import WicketJSON

/// Reads policies in Cedar's JSON policy format (the "EST"), as `--policy-format json` takes them:
/// either a policy set `{"staticPolicies": {id: policy}, "templates": {id: policy},
/// "templateLinks": [{"templateId", "newId", "values": {"?principal": uid}}]}` or one policy object.
public enum PolicyJSON {
    /// Nesting deeper than this is rejected (JSON nesting is already bounded by the JSON parser).
    static let maxDepth = 200

    /// Parses a JSON policy set (or single policy, given the id `policy0`) into a ``PolicySet``.
    /// With `idAnnotations`, an `@id` annotation renames the policy, as for Cedar text.
    public static func policySet(_ text: String, idAnnotations: Bool = false) throws(PolicySetError) -> PolicySet {
        let json: JSONValue
        do { json = try CedarJSON.parse(text) } catch { throw PolicySetError(error.description) }
        var all: [Policy] = []
        var links: [(template: String, id: String, p: EntityUID?, r: EntityUID?)] = []
        do throws(CedarJSONError) {
            if json["effect"] != nil {
                all.append(try policy(json, id: "policy0"))
            } else {
                guard case .object = json else { throw CedarJSONError(.shape, "a JSON policy set must be an object") }
                for key in ["staticPolicies", "templates"] {
                    guard let section = json[key] else { continue }
                    guard case .object(let pairs) = section else { throw CedarJSONError(.shape, "`\(key)` must be an object") }
                    for (id, p) in pairs { all.append(try policy(p, id: id)) }
                }
                if case .array(let ls)? = json["templateLinks"] {
                    for l in ls {
                        guard case .string(let t)? = l["templateId"], case .string(let n)? = l["newId"] else {
                            throw CedarJSONError(.shape, "each template link needs `templateId` and `newId`")
                        }
                        var p: EntityUID?
                        var r: EntityUID?
                        if let v = l["values"]?["?principal"] { p = try CedarJSON.entityUID(v) }
                        if let v = l["values"]?["?resource"] { r = try CedarJSON.entityUID(v) }
                        links.append((t, n, p, r))
                    }
                }
            }
        } catch {
            throw PolicySetError("invalid JSON policy: \(error.message)")
        }
        if idAnnotations {
            for k in all.indices { if let id = all[k].annotation("id") { all[k].id = id } }
        }
        var set = try PolicySet(all)
        for l in links { try set.link(template: l.template, newID: l.id, principal: l.p, resource: l.r) }
        return set
    }

    /// Converts one policy object.
    public static func policy(_ j: JSONValue, id: String) throws(CedarJSONError) -> Policy {
        guard case .string(let effectText)? = j["effect"], let effect = Effect(rawValue: effectText) else {
            throw CedarJSONError(.shape, "policy `\(id)` needs `effect` `permit` or `forbid`")
        }
        var annotations: [Annotation] = []
        if case .object(let pairs)? = j["annotations"] {
            for (k, v) in pairs {
                switch v {
                case .string(let s): annotations.append(Annotation(key: k, value: s))
                case .null: annotations.append(Annotation(key: k, value: ""))
                default: throw CedarJSONError(.shape, "annotation `\(k)` must be a string")
                }
            }
        }
        var conditions: [Condition] = []
        if case .array(let cs)? = j["conditions"] {
            for c in cs {
                guard case .string(let k)? = c["kind"], let kind = Condition.Kind(rawValue: k), let body = c["body"] else {
                    throw CedarJSONError(.shape, "a condition needs `kind` (`when`/`unless`) and `body`")
                }
                conditions.append(Condition(kind: kind, body: try expr(body, 0)))
            }
        }
        return Policy(
            id: id, effect: effect, principal: try scope(j["principal"], slot: .principal),
            action: try actionScope(j["action"]), resource: try scope(j["resource"], slot: .resource),
            conditions: conditions, annotations: annotations)
    }

    private static func reference(_ j: JSONValue, slot: SlotID) throws(CedarJSONError) -> EntityReference {
        if case .string(let s)? = j["slot"] {
            guard s == slot.rawValue else { throw CedarJSONError(.shape, "unexpected slot `\(s)`") }
            return .slot(slot)
        }
        guard let e = j["entity"] else { throw CedarJSONError(.shape, "a scope constraint needs `entity` or `slot`") }
        return .uid(try CedarJSON.entityUID(e))
    }

    private static func typeName(_ j: JSONValue?) throws(CedarJSONError) -> Name {
        guard case .string(let s)? = j, let n = NameSyntax.parseName(s) else {
            throw CedarJSONError(.shape, "expected an entity type name")
        }
        return n
    }

    private static func scope(_ j: JSONValue?, slot: SlotID) throws(CedarJSONError) -> ScopeConstraint {
        guard let j, case .string(let op)? = j["op"] else { throw CedarJSONError(.shape, "a scope constraint needs `op`") }
        switch op {
        case "All": return .any
        case "==": return .eq(try reference(j, slot: slot))
        case "in": return .in(try reference(j, slot: slot))
        case "is":
            let t = try typeName(j["entity_type"])
            if let inner = j["in"] { return .isIn(t, try reference(inner, slot: slot)) }
            return .is(t)
        default: throw CedarJSONError(.shape, "unknown scope operator `\(op)`")
        }
    }

    private static func actionScope(_ j: JSONValue?) throws(CedarJSONError) -> ActionConstraint {
        guard let j, case .string(let op)? = j["op"] else { throw CedarJSONError(.shape, "the action constraint needs `op`") }
        switch op {
        case "All": return .any
        case "==":
            guard let e = j["entity"] else { throw CedarJSONError(.shape, "`==` needs `entity`") }
            return .eq(try CedarJSON.entityUID(e))
        case "in":
            if case .array(let es)? = j["entities"] {
                var out: [EntityUID] = []
                for e in es { out.append(try CedarJSON.entityUID(e)) }
                return .inSet(out)
            }
            guard let e = j["entity"] else { throw CedarJSONError(.shape, "`in` needs `entity` or `entities`") }
            return .in(try CedarJSON.entityUID(e))
        default: throw CedarJSONError(.shape, "unknown action operator `\(op)`")
        }
    }

    private static let binaryOps: [String: BinaryOp] = [
        "==": .eq, "!=": .neq, "<": .lt, "<=": .le, ">": .gt, ">=": .ge, "+": .add, "-": .sub, "*": .mul,
        "in": .in, "contains": .contains, "containsAll": .containsAll, "containsAny": .containsAny,
        "getTag": .getTag, "hasTag": .hasTag,
    ]

    /// Converts an expression object (one key naming the node).
    public static func expr(_ j: JSONValue, _ depth: Int) throws(CedarJSONError) -> Expr {
        guard depth < maxDepth else { throw CedarJSONError(.shape, "the expression is nested too deeply") }
        guard case .object(let pairs) = j, pairs.count == 1 else {
            throw CedarJSONError(.shape, "an expression must be an object with exactly one key")
        }
        let (key, body) = pairs[0]
        let d = depth + 1
        func arg(_ name: String) throws(CedarJSONError) -> Expr {
            guard let v = body[name] else { throw CedarJSONError(.shape, "`\(key)` needs `\(name)`") }
            return try expr(v, d)
        }
        func attr() throws(CedarJSONError) -> String {
            guard case .string(let a)? = body["attr"] else { throw CedarJSONError(.shape, "`\(key)` needs a string `attr`") }
            return a
        }
        switch key {
        case "Value":
            do { return .literal(try CedarJSON.value(body, depth: 1)) } catch { throw error }
        case "Var":
            guard case .string(let v) = body, let variable = Var(rawValue: v) else { throw CedarJSONError(.shape, "unknown variable") }
            return .variable(variable)
        case "Slot":
            guard case .string(let s) = body, let slot = SlotID(rawValue: s) else { throw CedarJSONError(.shape, "unknown slot") }
            return .slot(slot)
        case "!": return .not(try arg("arg"))
        case "neg": return .negate(try arg("arg"))
        case "isEmpty": return .isEmpty(try arg("arg"))
        case "&&": return .and(try arg("left"), try arg("right"))
        case "||": return .or(try arg("left"), try arg("right"))
        case ".": return .getAttr(try arg("left"), try attr())
        case "has": return .hasAttr(try arg("left"), try attr())
        case "like":
            guard case .array(let items)? = body["pattern"] else { throw CedarJSONError(.shape, "`like` needs a `pattern` array") }
            var els: [Pattern.Element] = []
            for item in items {
                if case .string("Wildcard") = item {
                    els.append(.wildcard)
                } else if case .string(let lit)? = item["Literal"] {
                    els.append(contentsOf: lit.unicodeScalars.map { .char($0) })
                } else {
                    throw CedarJSONError(.shape, "invalid `like` pattern element")
                }
            }
            return .like(try arg("left"), Pattern(els))
        case "is":
            let left = try arg("left")
            let t = try typeName(body["entity_type"])
            if let inner = body["in"] { return .and(.isType(left, t), .binary(.in, left, try expr(inner, d))) }
            return .isType(left, t)
        case "if-then-else": return .ifThenElse(try arg("if"), try arg("then"), try arg("else"))
        case "Set":
            guard case .array(let items) = body else { throw CedarJSONError(.shape, "`Set` must be an array") }
            var out: [Expr] = []
            for i in items { out.append(try expr(i, d)) }
            return .set(out)
        case "Record":
            guard case .object(let fields) = body else { throw CedarJSONError(.shape, "`Record` must be an object") }
            var out: [RecordField] = []
            for (k, v) in fields { out.append(RecordField(key: k, value: try expr(v, d))) }
            return .record(out)
        default:
            if let op = binaryOps[key] { return .binary(op, try arg("left"), try arg("right")) }
            guard Extensions.constructors.contains(key) || Extensions.methods[key] != nil, case .array(let items) = body else {
                throw CedarJSONError(.shape, "unknown expression `\(key)`")
            }
            var args: [Expr] = []
            for i in items { args.append(try expr(i, d)) }
            return .call(key, args)
        }
    }
}
