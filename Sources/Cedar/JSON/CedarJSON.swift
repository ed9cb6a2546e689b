import WicketJSON

/// Conversions between Cedar's JSON value format and ``Value``, without a schema.
public enum CedarJSON {
    /// Maximum nesting of sets and records accepted from JSON.
    public static let maxDepth = 128

    /// Parses an entity uid in either `{"type","id"}` or `{"__entity": {"type","id"}}` form. Other
    /// fields are refused unless `ignoringUnknownFields` (the official CLI skips them).
    public static func entityUID(_ json: JSONValue, ignoringUnknownFields: Bool = false) throws(CedarJSONError) -> EntityUID {
        guard case .object(let pairs) = json else {
            throw CedarJSONError(.entityUID, "expected an entity reference object with `type` and `id`")
        }
        if pairs.count == 1, ExactString(pairs[0].key) == "__entity" {
            return try entityUID(pairs[0].value, ignoringUnknownFields: ignoringUnknownFields)
        }
        var type: String?
        var id: String?
        for (k, v) in pairs {
            switch (ExactString(k), v) {
            case ("type", .string(let s)): type = s
            case ("id", .string(let s)): id = s
            case ("type", _), ("id", _):
                throw CedarJSONError(.entityUID, "`\(k)` of an entity reference must be a string")
            default:
                if !ignoringUnknownFields {
                    throw CedarJSONError(.entityUID, "unexpected field `\(k)` in an entity reference")
                }
            }
        }
        guard let type, let id else {
            throw CedarJSONError(.entityUID, "an entity reference needs string fields `type` and `id`")
        }
        guard let name = NameSyntax.parseName(type) else {
            throw CedarJSONError(.entityUID, "`\(type)` is not a valid entity type name")
        }
        return EntityUID(type: name, id: id)
    }

    /// Converts a JSON value to a Cedar value using only explicit forms (`__entity`, `__extn`).
    /// An object without an escape is a record.
    public static func value(_ json: JSONValue, depth: Int = 0) throws(CedarJSONError) -> Value {
        guard depth < maxDepth else { throw CedarJSONError(.shape, "value nesting is too deep") }
        switch json {
        case .null: throw CedarJSONError(.shape, "`null` is not a Cedar value")
        case .bool(let b): return .bool(b)
        case .number(let n):
            guard let i = n.cedarLong else { throw CedarJSONError(.number, "`\(n.text)` is not a 64-bit integer") }
            return .long(i)
        case .string(let s): return .string(s)
        case .array(let items):
            var set = Set<Value>()
            set.reserveCapacity(items.count)
            for item in items { set.insert(try value(item, depth: depth + 1)) }
            return .set(set)
        case .object(let pairs):
            // As in the Rust engine, an escape is one only when its body has the escape's shape;
            // otherwise (`{"__entity": 5}`) the object is an ordinary record.
            if pairs.count == 1 {
                let (key, body) = (ExactString(pairs[0].key), pairs[0].value)
                if key == "__entity", case .string(let type)? = body["type"], case .string(let id)? = body["id"] {
                    guard let name = NameSyntax.parseName(type) else {
                        throw CedarJSONError(.entityUID, "`\(type)` is not a valid entity type name")
                    }
                    return .entity(EntityUID(type: name, id: id))
                }
                if key == "__extn", case .string? = body["fn"] {
                    if body["arg"] != nil { return try extensionValue(body, depth: depth) }
                    if case .array? = body["args"] { return try extensionValue(body, depth: depth) }
                }
                if key == "__expr", case .string = body {
                    throw CedarJSONError(.shape, "the `__expr` escape is not supported")
                }
                if case .null = body { throw CedarJSONError(.shape, "`null` is not a Cedar value") }
            }
            var rec: [ExactString: Value] = [:]
            rec.reserveCapacity(pairs.count)
            for (k, v) in pairs { rec[ExactString(k)] = try value(v, depth: depth + 1) }
            return .record(rec)
        }
    }

    /// Parses the body of an `__extn` escape: `{"fn": "ip", "arg": "..."}` or
    /// `{"fn": "offset", "args": [datetime, duration]}`.
    public static func extensionValue(_ json: JSONValue, depth: Int = 0) throws(CedarJSONError) -> Value {
        guard case .string(let fn)? = json["fn"] else {
            throw CedarJSONError(.extensionValue, "an `__extn` escape needs a string field `fn`")
        }
        var args: [Value] = []
        if let arg = json["arg"] {
            args = [try value(arg, depth: depth + 1)]
        } else if case .array(let items)? = json["args"] {
            for item in items { args.append(try value(item, depth: depth + 1)) }
        } else {
            throw CedarJSONError(.extensionValue, "an `__extn` escape needs `arg` or `args`")
        }
        do {
            return try Extensions.call(fn, args)
        } catch {
            throw CedarJSONError(.extensionValue, error.message)
        }
    }

    /// Converts a Cedar value to Cedar JSON (explicit forms).
    public static func json(_ v: Value) -> JSONValue {
        switch v {
        case .bool(let b): return .bool(b)
        case .long(let i): return .number(JSONNumber(i))
        case .string(let s): return .string(s)
        case .entity(let uid):
            return .object(["__entity": .object(["type": .string(uid.type.qualified), "id": .string(uid.id)])])
        case .set(let s): return .array(s.map(json))
        case .record(let r):
            return .object(JSONObject(members: r.sorted { $0.key < $1.key }.map { .init(key: $0.key.string, value: json($0.value)) }))
        case .ext(let e):
            let (fn, arg): (String, String)
            switch e {
            case .ipaddr(let ip): (fn, arg) = ("ip", ip.description)
            case .decimal(let d): (fn, arg) = ("decimal", d.description)
            case .datetime(let d):
                guard let iso = d.iso8601 else {
                    let epoch = JSONValue.object(["__extn": .object(["fn": .string("datetime"), "arg": .string("1970-01-01")])])
                    let offset = JSONValue.object([
                        "__extn": .object(["fn": .string("duration"), "arg": .string("\(d.epochMilliseconds)ms")])
                    ])
                    return .object(["__extn": .object(["fn": .string("offset"), "args": .array([epoch, offset])])])
                }
                (fn, arg) = ("datetime", iso)
            case .duration(let d): (fn, arg) = ("duration", d.description)
            }
            return .object(["__extn": .object(["fn": .string(fn), "arg": .string(arg)])])
        }
    }
}
